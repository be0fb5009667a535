#include "plugins/isolators/cgroups/cgroup_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace clusterctl {

namespace {
std::string errno_text() {
  return std::strerror(errno);
}
}  // namespace

StatusOr<std::string> read_cgroup_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    Status error(errno == ENOENT ? ErrorKind::kNotFound : ErrorKind::kIoError,
                 "cannot read '" + path + "': " + errno_text());
    return error;
  }
  std::string text;
  char buffer[4096];
  for (;;) {
    ssize_t size = ::read(fd, buffer, sizeof(buffer));
    if (size < 0 && errno == EINTR) continue;
    if (size < 0) {
      Status error = Status::io_error("cannot read '" + path + "': " + errno_text());
      ::close(fd);
      return error;
    }
    if (size == 0) break;
    text.append(buffer, static_cast<size_t>(size));
  }
  ::close(fd);
  return text;
}

Status write_cgroup_file(const std::string& path, const std::string& value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::io_error("cannot open '" + path + "': " + errno_text());
  ssize_t written;
  do {
    written = ::write(fd, value.data(), value.size());
  } while (written < 0 && errno == EINTR);
  int error = errno;
  ::close(fd);
  if (written < 0) {
    return Status::io_error("cannot write '" + value + "' to '" + path +
                            "': " + std::strerror(error));
  }
  return Status::ok();
}

StatusOr<int64_t> read_cgroup_number(const std::string& path) {
  auto text = read_cgroup_file(path);
  if (!text) return text.status();
  std::istringstream stream(*text);
  std::string word;
  stream >> word;
  if (word == "max") return int64_t{-1};
  try {
    size_t used = 0;
    int64_t value = std::stoll(word, &used);
    if (used == word.size()) return value;
  } catch (const std::exception&) {
  }
  return Status::io_error("'" + path + "' does not hold a number: '" + word + "'");
}

std::map<std::string, int64_t> parse_keyed_values(const std::string& text) {
  std::map<std::string, int64_t> values;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string key;
    long long value = 0;
    if (fields >> key >> value) values[key] = value;
  }
  return values;
}

}  // namespace clusterctl
