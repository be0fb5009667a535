#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace clusterctl {

namespace {
Status errno_status(const std::string& what) {
  return Status::io_error(what + ": " + std::strerror(errno));
}
}  // namespace

Status write_file_atomic(const std::string& path, const std::string& content) {
  std::filesystem::path target(path);
  std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
  std::string temp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("cannot create " + temp);
  const char* data = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t written = ::write(fd, data, left);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      Status error = errno_status("cannot write " + temp);
      ::close(fd);
      ::unlink(temp.c_str());
      return error;
    }
    data += written;
    left -= static_cast<size_t>(written);
  }
  bool synced = ::fsync(fd) == 0;
  int sync_errno = errno;
  bool closed = ::close(fd) == 0;
  if (!synced || !closed) {
    if (!synced) errno = sync_errno;
    Status error = errno_status("cannot write " + temp);
    ::unlink(temp.c_str());
    return error;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    Status error = errno_status("cannot rename " + temp + " to " + path);
    ::unlink(temp.c_str());
    return error;
  }
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Status::ok();
}

StatusOr<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::not_found("'" + path + "' does not exist");
    return errno_status("cannot open " + path);
  }
  std::string content;
  char buffer[65536];
  for (;;) {
    ssize_t size = ::read(fd, buffer, sizeof(buffer));
    if (size < 0 && errno == EINTR) continue;
    if (size < 0) {
      Status error = errno_status("cannot read " + path);
      ::close(fd);
      return error;
    }
    if (size == 0) break;
    content.append(buffer, static_cast<size_t>(size));
  }
  ::close(fd);
  return content;
}

Status make_directories(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) return Status::io_error("cannot create directory '" + path + "': " + error.message());
  return Status::ok();
}

}  // namespace clusterctl
