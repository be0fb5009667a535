// Making task status updates: every update carries the ids of its task, a
// fresh uuid and the time it was made. Pure functions, thread-safe.
#pragma once

#include <string>

#include "core/messages.hpp"
#include "core/task_state.hpp"

namespace clusterctl {

// Which task an update is about.
struct TaskIds {
  std::string task_id;
  std::string framework_id;
  std::string agent_id;
  std::string executor_id;
};

// A new update for `ids` in `state`, stamped now with a new uuid.
TaskStatus make_task_status(const TaskIds& ids, TaskState state, const std::string& reason,
                            const std::string& message);

}  // namespace clusterctl
