// Launching tasks on agents and following their status updates.
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/task_status.hpp"
#include "core/task_validation.hpp"
#include "daemons/master/master_impl.hpp"

namespace clusterctl {

Status MasterImpl::validate_task(const TaskInfo& task, const std::string& framework_id,
                                 const Resources& remaining) const {
  CLUSTERCTL_RETURN_IF_ERROR(validate_task_info(task));
  if (state_.tasks.count(task_key(framework_id, task.task_id)) > 0) {
    return Status::already_exists("a task with id " + task.task_id + " is already running");
  }
  if (task.resources.scalar("cpus") <= 0 && task.resources.scalar("mem") <= 0) {
    return Status::invalid("task " + task.task_id + " must ask for some cpus or mem");
  }
  if (!remaining.contains(task.resources)) {
    return Status::invalid("task " + task.task_id + " asks for " + task.resources.to_string() +
                           " but the accepted offers have only " + remaining.to_string());
  }
  return Status::ok();
}

void MasterImpl::launch_task(const std::string& framework_id, TaskInfo task) {
  std::string key = task_key(framework_id, task.task_id);
  TaskRecord record;
  record.info = task;
  record.framework_id = framework_id;
  record.executor_id = task.task_id;
  record.state = TaskState::kStaging;
  record.started_at = record.updated_at = wall_seconds();
  record.last_status = make_status(record, TaskState::kStaging, "", "launching on agent");
  record.update_stream = relay_.track(framework_id, task.task_id, task.agent_id);
  state_.tasks[key] = record;
  state_.frameworks.at(framework_id).task_keys.insert(key);
  AgentRecord& agent = state_.agents.at(task.agent_id);
  agent.task_keys.insert(key);

  RunTaskCall call;
  call.framework_id = framework_id;
  call.framework_name = state_.frameworks.at(framework_id).info.name;
  call.executor_id = record.executor_id;
  call.task = task;
  call.checkpoint = state_.frameworks.at(framework_id).info.checkpoint;
  call.framework_user = state_.frameworks.at(framework_id).info.user;
  if (!agent.connection) {
    update_task(key, make_status(record, TaskState::kLost, "launch failed",
                                 "agent " + task.agent_id + " is not connected"));
    return;
  }
  LOG(kInfo) << "launching task " << task.task_id << " of framework " << framework_id
             << " on agent " << task.agent_id << " with " << task.resources.to_string();
  agent.connection->call(
      "agent.run_task", pack_payload(call), Duration(30000), [this, key](StatusOr<RpcValue> reply) {
        if (stopped_ || reply.is_ok()) return;
        auto task = state_.tasks.find(key);
        if (task == state_.tasks.end() || task->second.state != TaskState::kStaging) return;
        // A closed connection says nothing of the launch: the agent reports
        // the task when it re-registers (or it is lost with the agent).
        if (reply.status().kind() == ErrorKind::kUnavailable) return;
        bool timed_out = reply.status().kind() == ErrorKind::kTimeout;
        update_task(key,
                    make_status(task->second, timed_out ? TaskState::kLost : TaskState::kFailed,
                                "launch failed", reply.status().message()));
      });
}

// Usage reports are taken only from the agent's own connection, and count
// only for tasks that run on that agent.
void MasterImpl::record_usage(const RpcConnectionPtr& connection, const AgentUsageCall& call,
                              RpcResponder responder) {
  auto agent_id = caller_agent(connection, "agent.usage");
  Status allowed = agent_id ? Status::ok() : agent_id.status();
  if (allowed && !call.agent_id.empty() && call.agent_id != *agent_id) {
    allowed = Status::failed_precondition("this connection is agent " + *agent_id +
                                          "; it cannot report usage as agent " + call.agent_id);
  }
  if (!allowed) {
    LOG(kWarning) << "refused usage report from " << connection->peer_address() << ": "
                  << allowed.message();
    responder.fail(allowed);
    return;
  }
  responder.reply(empty_payload());
  size_t elsewhere = 0;
  for (const TaskUsageReport& report : call.tasks) {
    auto task = state_.tasks.find(task_key(report.framework_id, report.task_id));
    if (task == state_.tasks.end()) continue;  // ended meanwhile
    if (task->second.info.agent_id != *agent_id) {
      ++elsewhere;
      continue;
    }
    task->second.usage = report.usage;
  }
  if (elsewhere > 0) {
    LOG(kWarning) << "agent " << *agent_id << " reported the usage of " << elsewhere
                  << " tasks that do not run on it; ignored";
  }
}

void MasterImpl::update_task(const std::string& key, TaskStatus status) {
  TaskRecord& task = state_.tasks.at(key);
  if (!apply_status(task, status)) return;
  relay_.from_master(status);
  if (is_terminal(task.state)) complete_task(key);
}

bool MasterImpl::apply_status(TaskRecord& task, const TaskStatus& status) {
  std::string key = task_key(task.framework_id, task.info.task_id);
  if (status.state != task.state && !is_valid_transition(task.state, status.state)) {
    LOG(kInfo) << "task " << key << " stays " << task.state << ": an update " << status.state
               << " arrived after it";
    return false;
  }
  task.state = status.state;
  task.last_status = status;
  task.updated_at = wall_seconds();
  LOG(kInfo) << "task " << task.info.task_id << " is " << status.state
             << (status.reason.empty() ? "" : " (" + status.reason + ")");
  return true;
}

void MasterImpl::forward_update(const std::string& framework_id, const TaskStatus& status) {
  auto framework = state_.frameworks.find(framework_id);
  if (framework == state_.frameworks.end() || !framework->second.connection) return;
  framework->second.connection->notify("framework.update", pack_payload(StatusUpdateCall{status}));
}

TaskRecord MasterImpl::unlink_task(const std::string& key) {
  auto found = state_.tasks.find(key);
  TaskRecord task = std::move(found->second);
  state_.tasks.erase(found);
  auto framework = state_.frameworks.find(task.framework_id);
  if (framework != state_.frameworks.end()) framework->second.task_keys.erase(key);
  auto agent = state_.agents.find(task.info.agent_id);
  if (agent != state_.agents.end()) agent->second.task_keys.erase(key);
  return task;
}

void MasterImpl::complete_task(const std::string& key) {
  TaskRecord task = unlink_task(key);
  auto agent = state_.agents.find(task.info.agent_id);
  if (agent != state_.agents.end() && agent->second.in_allocator) {
    report(allocator_->recover(task.framework_id, task.info.agent_id, task.info.role,
                               task.info.resources, 0, monotonic_millis()));
    schedule_allocation();
  }
  remember_completed(std::move(task));
}

void MasterImpl::remember_completed(TaskRecord task) {
  std::string key = task_key(task.framework_id, task.info.task_id);
  state_.completed_tasks.push_back(std::move(task));
  state_.completed_by_key[key] = &state_.completed_tasks.back();
  while (state_.completed_tasks.size() > options_.max_completed_tasks) {
    TaskRecord& oldest = state_.completed_tasks.front();
    forget_updates(oldest);
    auto indexed = state_.completed_by_key.find(task_key(oldest.framework_id, oldest.info.task_id));
    if (indexed->second == &oldest) state_.completed_by_key.erase(indexed);
    state_.completed_tasks.pop_front();
  }
}

void MasterImpl::forget_updates(const TaskRecord& task) {
  relay_.forget(task.framework_id, task.info.task_id, task.update_stream);
}

TaskStatus MasterImpl::make_status(const TaskRecord& task, TaskState state,
                                   const std::string& reason, const std::string& message) const {
  return make_task_status(
      {task.info.task_id, task.framework_id, task.info.agent_id, task.executor_id}, state, reason,
      message);
}

}  // namespace clusterctl
