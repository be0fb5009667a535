#include "core/task_state.hpp"

#include <ostream>

namespace clusterctl {

namespace {
struct StateName {
  TaskState state;
  const char* name;
};
constexpr StateName kStateNames[] = {
    {TaskState::kStaging, "STAGING"},
    {TaskState::kStarting, "STARTING"},
    {TaskState::kRunning, "RUNNING"},
    {TaskState::kFinished, "FINISHED"},
    {TaskState::kFailed, "FAILED"},
    {TaskState::kKilling, "KILLING"},
    {TaskState::kKilled, "KILLED"},
    {TaskState::kLost, "LOST"},
    {TaskState::kError, "ERROR"},
    {TaskState::kDropped, "DROPPED"},
    {TaskState::kUnreachable, "UNREACHABLE"},
    {TaskState::kGone, "GONE"},
    {TaskState::kUnknown, "UNKNOWN"},
};

// Order of progress for live states; a live task never goes back.
int progress(TaskState state) {
  switch (state) {
    case TaskState::kStaging:
      return 0;
    case TaskState::kStarting:
      return 1;
    case TaskState::kRunning:
      return 2;
    case TaskState::kKilling:
      return 3;
    default:
      return 4;
  }
}
}  // namespace

const char* task_state_name(TaskState state) {
  for (const auto& entry : kStateNames) {
    if (entry.state == state) return entry.name;
  }
  return "UNKNOWN";
}

std::ostream& operator<<(std::ostream& out, TaskState state) {
  return out << task_state_name(state);
}

StatusOr<TaskState> parse_task_state(const std::string& name) {
  for (const auto& entry : kStateNames) {
    if (name == entry.name) return entry.state;
  }
  // The name may come from a hostile peer: quote only its start.
  constexpr size_t kQuoted = 32;
  std::string quoted = name.size() > kQuoted ? name.substr(0, kQuoted) + "..." : name;
  return Status::invalid("unknown task state '" + quoted + "'");
}

bool is_terminal(TaskState state) {
  switch (state) {
    case TaskState::kFinished:
    case TaskState::kFailed:
    case TaskState::kKilled:
    case TaskState::kLost:
    case TaskState::kError:
    case TaskState::kDropped:
    case TaskState::kGone:
      return true;
    default:
      return false;
  }
}

bool is_valid_transition(TaskState from, TaskState to) {
  if (is_terminal(from)) return false;
  if (from == TaskState::kUnreachable || from == TaskState::kUnknown) return true;
  if (is_terminal(to) || to == TaskState::kUnreachable || to == TaskState::kUnknown) return true;
  return progress(to) >= progress(from);
}

}  // namespace clusterctl
