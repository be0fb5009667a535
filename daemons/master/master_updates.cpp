// Reliable status updates on the master's side: agents' updates go to their
// framework and the framework's acknowledgements go back to the agent.
//
// Each task holds at most one update waiting for the framework's
// acknowledgement (its agent's stream sends the next only after it). An
// update the agent sends again is passed on only if the framework's current
// connection has not had it, so the framework sees each update once per
// connection; one already acknowledged is acknowledged to the agent again
// without bothering the framework. Once the framework was told a terminal
// state (by the agent, or by the master: LOST when the agent was lost), later
// updates for that task are acknowledged to the agent and dropped, so the
// framework hears of exactly one end. Updates for a framework that is gone
// are acknowledged at once. A status the master makes while the framework is
// disconnected waits, like the agent's, for the framework to come back.
#include <algorithm>

#include "core/log.hpp"
#include "daemons/master/master_impl.hpp"

namespace clusterctl {

namespace {

constexpr size_t kRememberedAcknowledgements = 8;
constexpr Duration kAcknowledgeTimeout{10000};

bool is_terminal_status(const TaskStatus& status) {
  return is_terminal(status.state);
}

void remember_acknowledged(TaskRecord& task, const std::string& uuid) {
  task.acknowledged_uuids.push_back(uuid);
  if (task.acknowledged_uuids.size() > kRememberedAcknowledgements) {
    task.acknowledged_uuids.pop_front();
  }
}

}  // namespace

TaskRecord* MasterImpl::find_task(const std::string& key) {
  auto live = state_.tasks.find(key);
  if (live != state_.tasks.end()) return &live->second;
  for (auto done = state_.completed_tasks.rbegin(); done != state_.completed_tasks.rend(); ++done) {
    if (task_key(done->framework_id, done->info.task_id) == key) return &*done;
  }
  return nullptr;
}

void MasterImpl::status_update(const TaskStatus& status) {
  std::string key = task_key(status.framework_id, status.task_id);
  TaskRecord* task = find_task(key);
  if (task == nullptr) {
    LOG(kDebug) << "status update " << status.state << " for unknown task " << key;
    send_acknowledgement(status.agent_id, status);
    return;
  }
  if (!status.uuid.empty() && task->pending_update.uuid == status.uuid) {  // sent again
    auto framework = state_.frameworks.find(task->framework_id);
    if (framework != state_.frameworks.end() && framework->second.connection &&
        framework->second.connection->id() != task->forwarded_on) {
      forward_pending(*task);
    }
    return;
  }
  bool live = state_.tasks.count(key) > 0;
  auto& acknowledged = task->acknowledged_uuids;
  bool seen =
      std::find(acknowledged.begin(), acknowledged.end(), status.uuid) != acknowledged.end();
  auto framework = state_.frameworks.find(status.framework_id);
  bool framework_gone = framework == state_.frameworks.end() || framework->second.completed;
  if (live && !seen) apply_status(*task, status);
  if (seen || task->terminal_reported || framework_gone) {
    send_acknowledgement(status.agent_id, status);
  } else {
    if (!task->pending_update.uuid.empty() && task->pending_from_agent) {
      remember_acknowledged(*task, task->pending_update.uuid);  // superseded
    }
    task->pending_update = status;
    task->pending_from_agent = true;
    task->forwarded_on = 0;
    if (is_terminal_status(status)) task->terminal_reported = true;
    forward_pending(*task);
  }
  if (live && is_terminal(task->state)) complete_task(key);
}

void MasterImpl::acknowledge(const RpcConnectionPtr& connection, const AcknowledgeCall& call,
                             RpcResponder responder) {
  auto framework = caller_framework(connection, call.framework_id);
  if (!framework) {
    responder.fail(framework.status());
    return;
  }
  responder.reply(empty_payload());
  TaskRecord* task = find_task(task_key((*framework)->info.id, call.task_id));
  if (task == nullptr || call.uuid.empty() || task->pending_update.uuid != call.uuid) {
    LOG(kDebug) << "ignoring acknowledgement " << call.uuid << " of task " << call.task_id
                << ": no such update is waiting (a duplicate?)";
    return;
  }
  TaskStatus acknowledged = std::move(task->pending_update);
  task->pending_update = TaskStatus();
  task->forwarded_on = 0;
  remember_acknowledged(*task, acknowledged.uuid);
  if (task->pending_from_agent) send_acknowledgement(task->info.agent_id, acknowledged);
}

void MasterImpl::deliver_master_update(TaskRecord& task, const TaskStatus& status) {
  auto framework = state_.frameworks.find(task.framework_id);
  if (framework == state_.frameworks.end() || framework->second.completed) return;
  if (framework->second.connection) {
    forward_update(task.framework_id, status);
    return;
  }
  // Kept for the scheduler's return; it supersedes what the agent said.
  if (!task.pending_update.uuid.empty() && task.pending_from_agent) {
    remember_acknowledged(task, task.pending_update.uuid);
    send_acknowledgement(task.info.agent_id, task.pending_update);
  }
  task.pending_update = status;
  task.pending_from_agent = false;
  task.forwarded_on = 0;
}

void MasterImpl::forward_pending(TaskRecord& task) {
  auto framework = state_.frameworks.find(task.framework_id);
  if (framework == state_.frameworks.end() || !framework->second.connection) return;
  framework->second.connection->notify("framework.update",
                                       pack_payload(StatusUpdateCall{task.pending_update}));
  task.forwarded_on = framework->second.connection->id();
}

void MasterImpl::send_acknowledgement(const std::string& agent_id, const TaskStatus& status) {
  if (status.uuid.empty()) return;
  auto agent = state_.agents.find(agent_id);
  if (agent == state_.agents.end() || !agent->second.connection) return;  // it sends it again
  AcknowledgeCall call{status.framework_id, agent_id, status.task_id, status.uuid};
  agent->second.connection->call("agent.acknowledge", pack_payload(call), kAcknowledgeTimeout,
                                 [](StatusOr<RpcValue>) {});
}

void MasterImpl::resend_pending_updates(const std::string& framework_id) {
  FrameworkRecord& framework = state_.frameworks.at(framework_id);
  for (const std::string& key : framework.task_keys) {
    TaskRecord& task = state_.tasks.at(key);
    if (!task.pending_update.uuid.empty()) forward_pending(task);
  }
  for (TaskRecord& task : state_.completed_tasks) {
    if (task.framework_id == framework_id && !task.pending_update.uuid.empty()) {
      forward_pending(task);
    }
  }
}

// Nobody will acknowledge them: let the agents' streams move on.
void MasterImpl::acknowledge_pending_updates(const std::string& framework_id) {
  auto release = [this](TaskRecord& task) {
    if (task.pending_update.uuid.empty()) return;
    remember_acknowledged(task, task.pending_update.uuid);
    if (task.pending_from_agent) send_acknowledgement(task.info.agent_id, task.pending_update);
    task.pending_update = TaskStatus();
  };
  for (const std::string& key : state_.frameworks.at(framework_id).task_keys) {
    release(state_.tasks.at(key));
  }
  for (TaskRecord& task : state_.completed_tasks) {
    if (task.framework_id == framework_id) release(task);
  }
}

}  // namespace clusterctl
