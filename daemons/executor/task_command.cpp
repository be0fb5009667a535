#include "daemons/executor/task_command.hpp"

namespace clusterctl {

std::vector<std::string> task_argv(const CommandInfo& command) {
  if (command.shell) return {"/bin/sh", "-c", command.value};
  std::vector<std::string> argv{command.value};
  argv.insert(argv.end(), command.arguments.begin(), command.arguments.end());
  return argv;
}

std::vector<std::string> task_environment(std::vector<std::string> base, const TaskInfo& task,
                                          const std::string& framework_id,
                                          const std::string& sandbox) {
  for (const auto& [key, value] : task.command.environment) set_env(base, key, value);
  set_env(base, "CLUSTERCTL_TASK_ID", task.task_id);
  set_env(base, "CLUSTERCTL_SANDBOX", sandbox);
  set_env(base, "CLUSTERCTL_FRAMEWORK_ID", framework_id);
  set_env(base, "CLUSTERCTL_AGENT_ID", task.agent_id);
  return base;
}

TaskOutcome task_outcome(const ExitStatus& exit, bool kill_requested) {
  TaskOutcome outcome;
  outcome.message = exit.describe();
  if (kill_requested) {
    outcome.state = TaskState::kKilled;
    outcome.reason = "killed";
  } else if (exit.killed_by_signal()) {
    outcome.state = TaskState::kFailed;
    outcome.reason = "command killed by signal";
  } else if (exit.exit_code != 0) {
    outcome.state = TaskState::kFailed;
    outcome.reason = "command exited non-zero";
  }
  return outcome;
}

}  // namespace clusterctl
