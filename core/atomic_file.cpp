#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace clusterctl {

namespace {

Status errno_status(const std::string& what) {
  return Status::io_error(what + ": " + std::strerror(errno));
}

std::string temporary_path(const std::string& path) {
  return path + ".tmp." + std::to_string(::getpid());
}

std::string parent_dir(const std::string& path) {
  std::filesystem::path target(path);
  return target.has_parent_path() ? target.parent_path().string() : ".";
}

// Creates `path` with `content`; with `sync`, on disk when this returns.
Status write_whole(const std::string& path, const std::string& content, bool sync,
                   mode_t mode = 0644) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return errno_status("cannot create " + path);
  const char* data = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t written = ::write(fd, data, left);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      Status error = errno_status("cannot write " + path);
      ::close(fd);
      ::unlink(path.c_str());
      return error;
    }
    data += written;
    left -= static_cast<size_t>(written);
  }
  bool synced = !sync || ::fsync(fd) == 0;
  int sync_errno = errno;
  bool closed = ::close(fd) == 0;
  if (!synced || !closed) {
    if (!synced) errno = sync_errno;
    Status error = errno_status("cannot write " + path);
    ::unlink(path.c_str());
    return error;
  }
  return Status::ok();
}

// syncfs() once for each file system that holds one of `dirs`.
Status sync_file_systems(const std::vector<std::string>& dirs) {
  std::vector<dev_t> synced;
  for (const std::string& dir : dirs) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) continue;  // its files failed already
    struct stat info;
    bool seen = ::fstat(fd, &info) == 0 &&
                std::find(synced.begin(), synced.end(), info.st_dev) != synced.end();
    if (!seen) {
      if (::syncfs(fd) != 0) {
        Status error = errno_status("cannot sync the file system of " + dir);
        ::close(fd);
        return error;
      }
      synced.push_back(info.st_dev);
    }
    ::close(fd);
  }
  return Status::ok();
}

}  // namespace

std::vector<Status> write_files_atomic(
    const std::vector<std::pair<std::string, std::string>>& files, mode_t mode) {
  std::vector<Status> results;
  std::vector<std::string> dirs;
  for (const auto& [path, content] : files) {
    ::unlink(temporary_path(path).c_str());  // a leftover would keep its mode
    results.push_back(write_whole(temporary_path(path), content, false, mode));
    if (std::find(dirs.begin(), dirs.end(), parent_dir(path)) == dirs.end())
      dirs.push_back(parent_dir(path));
  }
  Status synced = sync_file_systems(dirs);
  for (size_t i = 0; i < files.size(); ++i) {
    if (!results[i]) continue;
    const std::string& path = files[i].first;
    if (!synced) {
      results[i] = synced;
    } else if (::rename(temporary_path(path).c_str(), path.c_str()) != 0) {
      results[i] = errno_status("cannot rename " + temporary_path(path) + " to " + path);
    }
    if (!results[i]) ::unlink(temporary_path(path).c_str());
  }
  Status renamed = sync_file_systems(dirs);
  for (Status& result : results) {
    if (result && !renamed) result = renamed;
  }
  return results;
}

Status write_file_atomic(const std::string& path, const std::string& content) {
  std::string temp = temporary_path(path);
  CLUSTERCTL_RETURN_IF_ERROR(write_whole(temp, content, true));
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    Status error = errno_status("cannot rename " + temp + " to " + path);
    ::unlink(temp.c_str());
    return error;
  }
  int dir_fd = ::open(parent_dir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
