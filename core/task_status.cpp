#include "core/task_status.hpp"

#include "core/ids.hpp"
#include "core/timer.hpp"

namespace clusterctl {

TaskStatus make_task_status(const TaskIds& ids, TaskState state, const std::string& reason,
                            const std::string& message) {
  TaskStatus status;
  status.task_id = ids.task_id;
  status.framework_id = ids.framework_id;
  status.agent_id = ids.agent_id;
  status.executor_id = ids.executor_id;
  status.state = state;
  status.reason = reason;
  status.message = message;
  status.timestamp = wall_seconds();
  status.uuid = new_id("update");
  return status;
}

}  // namespace clusterctl
