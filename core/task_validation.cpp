#include "core/task_validation.hpp"

#include <string_view>

#include "core/ids.hpp"
#include "core/printable.hpp"

namespace clusterctl {

namespace {

bool is_control(char c) {
  unsigned char byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

Status task_error(const TaskInfo& task, const std::string& what) {
  return Status::invalid("task " + printable(task.task_id) + ": " + what);
}

// One string of the command: bounded, and without a NUL, which would cut it
// short on its way to execve.
Status check_command_string(const TaskInfo& task, std::string_view what, std::string_view text) {
  if (text.size() > kMaxCommandStringBytes) {
    return task_error(task, std::string(what) + " is " + std::to_string(text.size()) +
                                " bytes; the limit for one string is " +
                                std::to_string(kMaxCommandStringBytes) +
                                " (pass large data in a file, e.g. with --uri)");
  }
  if (text.find('\0') != std::string_view::npos) {
    return task_error(task, std::string(what) + " contains a NUL byte");
  }
  return Status::ok();
}

// The bytes execve needs for the command's strings, each with its NUL.
size_t command_bytes(const CommandInfo& command) {
  size_t total = command.value.size() + 1;
  for (const std::string& argument : command.arguments) total += argument.size() + 1;
  for (const auto& [name, value] : command.environment) total += name.size() + value.size() + 2;
  return total;
}

Status check_command(const TaskInfo& task) {
  const CommandInfo& command = task.command;
  if (command.value.empty()) return task_error(task, "it has no command");
  size_t total = command_bytes(command);
  if (total > kMaxCommandBytes) {
    return task_error(task, "the command is " + std::to_string(total) +
                                " bytes (value, arguments and environment); the limit is " +
                                std::to_string(kMaxCommandBytes) +
                                " (pass large data in a file, e.g. with --uri)");
  }
  CLUSTERCTL_RETURN_IF_ERROR(check_command_string(task, "the command", command.value));
  for (const std::string& argument : command.arguments) {
    CLUSTERCTL_RETURN_IF_ERROR(check_command_string(task, "an argument", argument));
  }
  for (const auto& [name, value] : command.environment) {
    if (name.empty() || name.find_first_of(std::string_view("=\0", 2)) != std::string::npos) {
      return task_error(task, "environment variable name '" + printable(name) +
                                  "' is empty or holds '=' or a NUL byte");
    }
    CLUSTERCTL_RETURN_IF_ERROR(
        check_command_string(task, "environment variable " + printable(name), name + "=" + value));
  }
  return Status::ok();
}

Status check_name(const TaskInfo& task) {
  if (task.name.size() > kMaxTaskNameBytes) {
    return task_error(task, "its name is " + std::to_string(task.name.size()) +
                                " bytes; the limit is " + std::to_string(kMaxTaskNameBytes));
  }
  for (char c : task.name) {
    if (is_control(c)) return task_error(task, "its name holds a control character");
  }
  return Status::ok();
}

}  // namespace

Status validate_task_info(const TaskInfo& task) {
  if (!is_valid_id(task.task_id)) {
    return Status::invalid("task id '" + printable(task.task_id) +
                           "' is invalid: use 1-128 letters, digits, '_', '.' or '-' "
                           "(not '.' or '..')");
  }
  CLUSTERCTL_RETURN_IF_ERROR(check_name(task));
  CLUSTERCTL_RETURN_IF_ERROR(check_command(task));
  if (task.health_check && !task.health_check->command.empty()) {
    CLUSTERCTL_RETURN_IF_ERROR(
        check_command_string(task, "the health check's command", task.health_check->command));
  }
  Status limits = check_resource_limits(task.resources);
  if (!limits.is_ok()) return task_error(task, limits.message());
  return Status::ok();
}

}  // namespace clusterctl
