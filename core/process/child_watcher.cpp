#include "core/process/child_watcher.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/asio.hpp"
#include "core/log.hpp"
#include "core/timer.hpp"

namespace clusterctl {

struct ChildWatcher::Entry {
  Entry(asio::io_context& io, int pidfd) : descriptor(io, pidfd) {}
  asio::posix::stream_descriptor descriptor;  // owns the pidfd
  bool kill_group = false;
  ExitCallback on_exit;
  std::function<void()> on_gone;  // watch_exit: not reaped, status unknown
};

namespace {

ExitStatus exit_status_of(const siginfo_t& info) {
  ExitStatus status;
  if (info.si_code == CLD_EXITED) {
    status.exit_code = info.si_status;
  } else {
    status.signal = info.si_status;
    status.exit_code = 128 + info.si_status;
  }
  return status;
}

}  // namespace

ChildWatcher::ChildWatcher(asio::io_context& io) : io_(io), alive_(std::make_shared<bool>(true)) {}

ChildWatcher::~ChildWatcher() {
  *alive_ = false;
  for (auto& [pid, entry] : entries_) {
    boost::system::error_code ignored;
    entry->descriptor.close(ignored);
  }
}

Status ChildWatcher::watch(pid_t pid, ExitCallback on_exit) {
  return add(pid, false, std::move(on_exit));
}

Status ChildWatcher::watch_group(pid_t pid, ExitCallback on_exit) {
  return add(pid, true, std::move(on_exit));
}

bool ChildWatcher::watching(pid_t pid) const {
  return entries_.count(pid) > 0;
}

size_t ChildWatcher::size() const {
  return entries_.size();
}

Status ChildWatcher::watch_exit(pid_t pid, std::function<void()> on_exit) {
  if (entries_.count(pid) > 0)
    return Status::already_exists("process " + std::to_string(pid) + " is already watched");
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    if (errno == ESRCH) {
      post(io_, std::move(on_exit));  // already gone
      return Status::ok();
    }
    return Status::io_error("cannot watch process " + std::to_string(pid) + ": " +
                            std::strerror(errno));
  }
  auto entry = std::make_shared<Entry>(io_, pidfd);
  entry->on_gone = std::move(on_exit);
  entries_[pid] = entry;
  arm(pid);
  return Status::ok();
}

Status ChildWatcher::add(pid_t pid, bool kill_group, ExitCallback on_exit) {
  if (entries_.count(pid) > 0)
    return Status::already_exists("process " + std::to_string(pid) + " is already watched");
  // A child that already exited is a zombie until reaped, so its pidfd still opens.
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    return Status::io_error("cannot watch process " + std::to_string(pid) + ": " +
                            std::strerror(errno));
  }
  siginfo_t info{};
  if (::waitid(P_PIDFD, pidfd, &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    int error = errno;
    ::close(pidfd);
    return Status::invalid(
        "cannot watch process " + std::to_string(pid) + ": " +
        (error == ECHILD ? "not a child of this process" : std::strerror(error)));
  }
  auto entry = std::make_shared<Entry>(io_, pidfd);
  entry->kill_group = kill_group;
  entry->on_exit = std::move(on_exit);
  entries_[pid] = entry;
  arm(pid);
  return Status::ok();
}

void ChildWatcher::arm(pid_t pid) {
  std::shared_ptr<Entry> entry = entries_.at(pid);
  std::weak_ptr<bool> alive = alive_;
  entry->descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                               [this, alive, pid](const boost::system::error_code& error) {
                                 auto still = alive.lock();
                                 if (!still || !*still || error) return;
                                 on_readable(pid);
                               });
}

void ChildWatcher::on_readable(pid_t pid) {
  auto found = entries_.find(pid);
  if (found == entries_.end()) return;
  std::shared_ptr<Entry> entry = found->second;
  int pidfd = entry->descriptor.native_handle();
  if (entry->on_gone) {  // a pidfd is readable once its process has exited
    entries_.erase(found);
    boost::system::error_code ignored;
    entry->descriptor.close(ignored);
    std::function<void()> on_gone = std::move(entry->on_gone);
    on_gone();
    return;
  }
  if (entry->kill_group) {
    siginfo_t peek{};
    if (::waitid(P_PIDFD, pidfd, &peek, WEXITED | WNOHANG | WNOWAIT) == 0 && peek.si_pid == 0) {
      arm(pid);  // not exited after all
      return;
    }
    Status killed = signal_group(pid, SIGKILL);
    if (!killed) {
      LOG(kWarning) << killed.message();
    }
  }
  siginfo_t info{};
  if (::waitid(P_PIDFD, pidfd, &info, WEXITED | WNOHANG) != 0) {
    LOG(kError) << "cannot reap process " << pid << ": " << std::strerror(errno);
    info.si_code = CLD_EXITED;  // the status is lost; report a failure
    info.si_status = 255;
  } else if (info.si_pid == 0) {
    arm(pid);  // readable, yet not exited: wait again
    return;
  }
  entries_.erase(found);
  boost::system::error_code ignored;
  entry->descriptor.close(ignored);
  ExitCallback on_exit = std::move(entry->on_exit);
  on_exit(exit_status_of(info));
}

}  // namespace clusterctl
