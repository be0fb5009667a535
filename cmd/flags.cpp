#include "cmd/flags.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/resources.hpp"

namespace clusterctl::cmd {

namespace {

Status errno_status(const std::string& what) {
  return Status::io_error(what + ": " + std::strerror(errno));
}

}  // namespace

// The description is left empty so that help shows only the type name.
CLI::Validator make_validator(std::function<Status(const std::string&)> check) {
  return CLI::Validator(
      [check](std::string& text) -> std::string {
        Status status = check(text);
        return status ? std::string() : status.message();
      },
      "");
}

std::string connect_error_reason(const Status& status) {
  const std::string prefix = "cannot connect to ";
  const std::string& message = status.message();
  if (message.rfind(prefix, 0) == 0) {
    size_t colon = message.find(": ", prefix.size());
    if (colon != std::string::npos) return message.substr(colon + 2);
  }
  return message;
}

std::string default_master() {
  const char* env = std::getenv("CLUSTERCTL_MASTER");
  if (env != nullptr && *env != '\0') return env;
  return "127.0.0.1:5050";
}

CLI::Option* add_master_flag(CLI::App& app, std::string& target) {
  target = default_master();
  return app
      .add_option("--master", target,
                  "Master host:port, or a comma list (first reachable wins); default: "
                  "$CLUSTERCTL_MASTER, else 127.0.0.1:5050")
      ->type_name("ADDR")
      ->default_str(target);
}

CLI::Option* add_duration_flag(CLI::App& app, const std::string& name, Duration& target,
                               const std::string& help) {
  return app
      .add_option_function<std::string>(
          name, [&target](const std::string& text) { target = *parse_duration(text); }, help)
      ->type_name("DURATION")
      ->default_str(format_duration(target))
      ->check(
          make_validator([](const std::string& text) { return parse_duration(text).status(); }));
}

CLI::Option* add_duration_flag(CLI::App& app, const std::string& name,
                               std::optional<Duration>& target, const std::string& help) {
  return app
      .add_option_function<std::string>(
          name, [&target](const std::string& text) { target = *parse_duration(text); }, help)
      ->type_name("DURATION")
      ->check(
          make_validator([](const std::string& text) { return parse_duration(text).status(); }));
}

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

CLI::Option* add_log_level_flag(CLI::App& app, LogLevel& target) {
  return app
      .add_option_function<std::string>(
          "--log-level", [&target](const std::string& text) { target = *parse_log_level(text); },
          "What to log on stderr: debug, info, warning or error")
      ->type_name("LEVEL")
      ->default_str(log_level_name(target))
      ->check(
          make_validator([](const std::string& text) { return parse_log_level(text).status(); }));
}

CLI::Validator resources_validator() {
  return make_validator([](const std::string& text) { return Resources::parse(text).status(); });
}

CLI::Validator attributes_validator() {
  return make_validator([](const std::string& text) { return parse_attributes(text).status(); });
}

CLI::Validator role_validator() {
  return make_validator(validate_role);
}

void print_line(const std::string& message) {
  std::string line = message + "\n";
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

void print_error(const std::string& command, const std::string& message) {
  print_line("clusterctl " + command + ": " + message);
}

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

}  // namespace clusterctl::cmd
