#include "core/process/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace clusterctl {

namespace {

std::string refusal(const std::string& shown, const std::string& why) {
  return "refusing to write to '" + shown + "': " + why;
}

}  // namespace

DirAndName split_dir_and_name(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

StatusOr<int> open_directory(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return Status::io_error("cannot open directory '" + path + "': " + std::strerror(errno));
  }
  return fd;
}

StatusOr<int> open_output_file(int dir_fd, const std::string& name, const std::string& shown) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return Status::invalid("'" + name + "' is not a file name (for '" + shown + "')");
  }
  // O_NONBLOCK: a FIFO without a reader fails at once instead of blocking;
  // O_NOFOLLOW: a symbolic link fails with ELOOP, even with O_CREAT.
  int fd = ::openat(dir_fd, name.c_str(),
                    O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                    0644);
  if (fd < 0) {
    int error = errno;
    if (error == ELOOP) {
      return Status::failed_precondition(refusal(shown, "it is a symbolic link"));
    }
    if (error == ENXIO) {  // a FIFO without a reader, a socket, a device without its driver
      return Status::failed_precondition(refusal(shown, "it is not a regular file"));
    }
    return Status::io_error("cannot open '" + shown + "': " + std::strerror(error));
  }
  struct stat info;
  std::string why;
  if (::fstat(fd, &info) != 0) {
    why = std::string("cannot stat it: ") + std::strerror(errno);
  } else if (!S_ISREG(info.st_mode)) {
    why = "it is not a regular file";
  } else if (info.st_nlink != 1) {
    why = "it has " + std::to_string(info.st_nlink) + " hard links";
  }
  if (!why.empty()) {
    ::close(fd);
    return Status::failed_precondition(refusal(shown, why));
  }
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) (void)::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

StatusOr<int> open_output_path(const std::string& path) {
  DirAndName split = split_dir_and_name(path);
  StatusOr<int> dir = open_directory(split.dir);
  if (!dir) return dir.status();
  StatusOr<int> fd = open_output_file(*dir, split.name, path);
  ::close(*dir);
  return fd;
}

}  // namespace clusterctl
