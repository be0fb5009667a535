// kill_and_wait (process.hpp): SIGKILL through pidfds, then poll them all.
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>

#include "core/process/process.hpp"

namespace clusterctl {

Status kill_and_wait(const std::function<std::vector<pid_t>()>& members, Duration timeout) {
  // Open a pidfd for each member, then signal only those still members: a
  // pid that was reused between the two lists is not ours to kill.
  std::vector<std::pair<pid_t, int>> opened;
  for (pid_t pid : members()) {
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd >= 0) opened.emplace_back(pid, pidfd);
  }
  std::vector<pid_t> now = members();
  std::set<pid_t> current(now.begin(), now.end());
  std::vector<pollfd> waiting;
  for (size_t i = 0; i < opened.size(); ++i) {
    auto [pid, pidfd] = opened[i];
    if (current.count(pid) == 0) {
      ::close(pidfd);
      continue;
    }
    if (::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0) != 0 && errno != ESRCH) {
      int error = errno;
      for (size_t j = i; j < opened.size(); ++j) ::close(opened[j].second);
      for (const pollfd& entry : waiting) ::close(entry.fd);
      return Status::io_error("cannot kill process " + std::to_string(pid) + ": " +
                              std::strerror(error));
    }
    waiting.push_back({pidfd, POLLIN, 0});
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t open = waiting.size();
  while (open > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    int ready = ::poll(waiting.data(), waiting.size(), static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) break;
    for (pollfd& entry : waiting) {
      if (entry.fd >= 0 && entry.revents != 0) {
        ::close(entry.fd);
        entry.fd = -1;  // poll ignores negative descriptors
        --open;
      }
    }
  }
  for (const pollfd& entry : waiting) {
    if (entry.fd >= 0) ::close(entry.fd);
  }
  if (open > 0) {
    return Status::timeout(std::to_string(open) + " killed processes did not exit within " +
                           format_duration(timeout));
  }
  return Status::ok();
}

}  // namespace clusterctl
