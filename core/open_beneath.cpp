#include "core/open_beneath.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace clusterctl {

namespace {

// How often an open is tried again when the kernel could not check a ".."
// (EAGAIN: a rename or mount anywhere on the machine raced with it; the
// agent's own checkpoint writes are renames).
constexpr int kOpenAttempts = 64;

}  // namespace

int open_beneath(int root_fd, const std::string& relative, int flags, mode_t mode) {
  struct open_how how;
  std::memset(&how, 0, sizeof(how));
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  if ((flags & O_CREAT) != 0) how.mode = mode;  // openat2 refuses a mode without O_CREAT
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  const char* name = relative.empty() ? "." : relative.c_str();
  int fd = -1;
  for (int attempt = 0; attempt < kOpenAttempts; ++attempt) {
    fd = static_cast<int>(::syscall(SYS_openat2, root_fd, name, &how, sizeof(how)));
    if (fd >= 0 || errno != EAGAIN) break;
  }
  return fd;
}

}  // namespace clusterctl
