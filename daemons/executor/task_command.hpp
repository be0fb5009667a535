// What the command executor makes of a task: the argv and environment of its
// command, and the terminal state its exit means. Pure functions, thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/messages.hpp"
#include "core/process/process.hpp"
#include "core/task_state.hpp"

namespace clusterctl {

// shell: {"/bin/sh", "-c", value}; otherwise {value, arguments...}.
std::vector<std::string> task_argv(const CommandInfo& command);

// `base` (the executor's own environment, given by the agent), then the
// command's environment, then CLUSTERCTL_TASK_ID, CLUSTERCTL_SANDBOX,
// CLUSTERCTL_FRAMEWORK_ID and CLUSTERCTL_AGENT_ID; later entries win.
std::vector<std::string> task_environment(std::vector<std::string> base, const TaskInfo& task,
                                          const std::string& framework_id,
                                          const std::string& sandbox);

struct TaskOutcome {
  TaskState state = TaskState::kFinished;
  std::string reason;
  std::string message;
};

// FINISHED for exit 0; FAILED ("command exited non-zero" or "command killed
// by signal"); KILLED ("killed") whenever a kill was requested.
TaskOutcome task_outcome(const ExitStatus& exit, bool kill_requested);

}  // namespace clusterctl
