#include "fetcher/local_source.hpp"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "core/open_beneath.hpp"

namespace clusterctl {

namespace {

std::string without_trailing_slashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// `path` below `dir`, relative to it; empty when it is not below.
std::string relative_below(const std::string& path, const std::string& dir) {
  std::string prefix = dir == "/" ? "/" : dir + "/";
  if (path.size() <= prefix.size() || path.compare(0, prefix.size(), prefix) != 0) return "";
  return path.substr(prefix.size());
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string joined(const std::vector<std::string>& dirs) {
  std::string text;
  for (const std::string& dir : dirs) text += (text.empty() ? "" : ", ") + dir;
  return text;
}

StatusOr<int> open_below(const std::string& uri, const std::string& dir,
                         const std::string& relative) {
  std::string prefix = "cannot fetch '" + uri + "': ";
  int root = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) {
    return Status::not_found(prefix + "the allowed directory '" + dir +
                             "' cannot be opened: " + std::strerror(errno));
  }
  int fd = open_beneath(root, relative, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  int error = errno;
  ::close(root);
  if (fd < 0) {
    if (leads_out(error)) {
      return Status::invalid(prefix + "it leads out of '" + dir +
                             "' (through a link or ..), which --fetcher-allowed-dirs does not "
                             "allow");
    }
    return Status(error == ENOENT ? ErrorKind::kNotFound : ErrorKind::kInvalidArgument,
                  prefix + std::strerror(error));
  }
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    error = errno;
    ::close(fd);
    return Status::io_error(prefix + std::strerror(error));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    return Status::invalid(prefix + "it is " + kind_of(info.st_mode) +
                           "; only regular files are fetched");
  }
  return fd;
}

}  // namespace

std::vector<std::string> split_dir_list(const std::string& list) {
  std::vector<std::string> dirs;
  std::istringstream stream(list);
  for (std::string dir; std::getline(stream, dir, ',');) {
    if (!dir.empty()) dirs.push_back(dir);
  }
  return dirs;
}

StatusOr<int> open_local_source(const std::string& uri, const std::string& path,
                                const std::vector<std::string>& allowed_dirs) {
  std::string prefix = "cannot fetch '" + uri + "': ";
  if (allowed_dirs.empty()) {
    return Status::invalid(prefix +
                           "this agent fetches no local files; start it with "
                           "--fetcher-allowed-dirs DIR[,DIR...] to allow files below DIR");
  }
  for (const std::string& given : allowed_dirs) {
    std::string dir = without_trailing_slashes(given);
    char real[PATH_MAX];
    std::string canonical = ::realpath(dir.c_str(), real) != nullptr ? real : dir;
    for (const std::string& base : {dir, canonical}) {
      std::string relative = relative_below(path, base);
      if (!relative.empty()) return open_below(uri, base, relative);
    }
  }
  return Status::invalid(prefix + "'" + path + "' is not below a directory of " +
                         "--fetcher-allowed-dirs (" + joined(allowed_dirs) + ")");
}

}  // namespace clusterctl
