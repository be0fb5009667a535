// Task states (DESIGN.md) and their rules. Pure functions, thread-safe.
#pragma once

#include <iosfwd>
#include <string>

#include "core/status.hpp"

namespace clusterctl {

enum class TaskState {
  kStaging,
  kStarting,
  kRunning,
  kFinished,
  kFailed,
  kKilling,
  kKilled,
  kLost,
  kError,
  kDropped,
  kUnreachable,
  kGone,
  kUnknown,
};

// "RUNNING"
const char* task_state_name(TaskState state);
// Writes the name: LOG(kInfo) << state.
std::ostream& operator<<(std::ostream& out, TaskState state);
StatusOr<TaskState> parse_task_state(const std::string& name);

// FINISHED, FAILED, KILLED, LOST, ERROR, DROPPED, GONE: the task will never run again.
// (UNREACHABLE is not terminal: the agent may come back.)
bool is_terminal(TaskState state);

// Whether a task in `from` may move to `to`. Terminal states never change;
// UNREACHABLE may move on when the agent comes back; a state may repeat
// (RUNNING -> RUNNING carries a new message). Anything may fail.
bool is_valid_transition(TaskState from, TaskState to);

}  // namespace clusterctl
