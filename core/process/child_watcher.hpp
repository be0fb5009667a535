// ChildWatcher: learns of child process exits on the io_context, without
// polling and without blocking. Each watched child gets a pidfd that becomes
// readable when the child exits; the watcher then reaps it (waitid) and calls
// back with its ExitStatus.
//
//   ChildWatcher watcher(io);
//   watcher.watch_group(pid, [](const ExitStatus& exit) { ... });
//
// Only this process's own children can be watched and reaped, and nothing
// else may reap them (no waitpid(-1), no SIGCHLD set to SIG_IGN). A process
// that is not a child (an executor adopted by a restarted agent) can still be
// watched with watch_exit: its exit is seen, not its exit status.
//
// Threading: belongs to one io_context thread; call it and receive callbacks
// there. Destroying the watcher stops watching: no callback runs afterwards
// (children still running are then left unreaped).
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>

#include "core/process/process.hpp"
#include "core/status.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

class ChildWatcher {
 public:
  using ExitCallback = std::function<void(const ExitStatus&)>;

  explicit ChildWatcher(boost::asio::io_context& io);
  ~ChildWatcher();
  ChildWatcher(const ChildWatcher&) = delete;
  ChildWatcher& operator=(const ChildWatcher&) = delete;

  // Calls `on_exit` once, on the io_context thread, after `pid` exited and
  // was reaped. Fails if `pid` is not a child of this process or is watched.
  Status watch(pid_t pid, ExitCallback on_exit);
  // The same for a child that leads its own process group (spawn_process):
  // once it has exited, what is left of its group is SIGKILLed before the
  // leader is reaped (while the zombie leader still holds the group's id).
  Status watch_group(pid_t pid, ExitCallback on_exit);

  // Calls `on_exit` once, on the io_context thread, after `pid` exited (or at
  // once if it already has). For any process, child or not; it is not reaped.
  Status watch_exit(pid_t pid, std::function<void()> on_exit);

  bool watching(pid_t pid) const;
  size_t size() const;

 private:
  struct Entry;
  Status add(pid_t pid, bool kill_group, ExitCallback on_exit);
  void arm(pid_t pid);
  void on_readable(pid_t pid);

  boost::asio::io_context& io_;
  std::map<pid_t, std::shared_ptr<Entry>> entries_;
  std::shared_ptr<bool> alive_;  // false once destroyed; checked by pending waits
};

}  // namespace clusterctl
