// The pure helpers of the command scheduler (see command_scheduler.hpp).
#include "cmd/command_scheduler.hpp"

namespace clusterctl::cmd {

bool ends_execute(TaskState state) {
  return is_terminal(state) || state == TaskState::kUnreachable;
}

int exit_code_for(const TaskStatus& status) {
  bool finished = status.state == TaskState::kFinished;
  if (status.exit_code && (*status.exit_code != 0 || finished)) return *status.exit_code;
  return finished ? 0 : 1;
}

std::string task_id_prefix(const std::string& name) {
  std::string prefix;
  for (char c : name.substr(0, 64)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    prefix += ok ? c : '-';
  }
  if (prefix.empty() || prefix == "." || prefix == "..") return "task";
  return prefix;
}

std::string describe_status(const TaskStatus& status) {
  std::string line = "task " + status.task_id + " is " + task_state_name(status.state);
  if (status.state == TaskState::kRunning && status.healthy) {
    return line + (*status.healthy ? " (healthy)" : " (unhealthy: " + status.message + ")");
  }
  bool plain = status.state == TaskState::kStaging || status.state == TaskState::kStarting ||
               status.state == TaskState::kRunning || status.state == TaskState::kFinished;
  if (status.reason == "fetching") return line + ": " + status.message;
  if (plain) return line;
  if (!status.reason.empty()) line += ": " + status.reason;
  if (!status.message.empty() && status.message != status.reason) {
    line += status.reason.empty() ? ": " + status.message : " (" + status.message + ")";
  }
  return line;
}

}  // namespace clusterctl::cmd
