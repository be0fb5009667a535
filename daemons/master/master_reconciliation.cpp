// Task reconciliation: a framework asks for the latest state of its tasks and
// gets it as framework.update notifications (with no uuid: they need no
// acknowledgement, and they change nothing).
//
//   implicit (no task listed)  every live task of the framework
//   explicit (a list of ids)   each listed task: live or recently completed,
//                              its latest state; unknown to the master, LOST
//                              (UNKNOWN for partition-aware frameworks) --
//                              unless the agent named with it has not
//                              re-registered since a master restart: then no
//                              answer yet (ask again once it has)
#include "core/log.hpp"
#include "daemons/master/master_impl.hpp"

namespace clusterctl {

namespace {

TaskStatus reconciled(const TaskRecord& task) {
  TaskStatus status = task.last_status;
  status.task_id = task.info.task_id;
  status.framework_id = task.framework_id;
  status.agent_id = task.info.agent_id;
  status.state = task.state;
  status.reason = "reconciliation";
  status.uuid.clear();
  return status;
}

}  // namespace

void MasterImpl::reconcile(const RpcConnectionPtr& connection, const ReconcileCall& call,
                           RpcResponder responder) {
  auto framework = caller_framework(connection, call.framework_id);
  if (!framework) {
    responder.fail(framework.status());
    return;
  }
  const FrameworkRecord& record = **framework;
  std::string framework_id = record.info.id;
  responder.reply(empty_payload());
  if (call.tasks.empty()) {
    for (const std::string& key : record.task_keys) {
      forward_update(framework_id, reconciled(state_.tasks.at(key)));
    }
    return;
  }
  size_t answered = 0;
  for (const ReconcileTask& entry : call.tasks) {
    TaskRecord* task = find_task(task_key(framework_id, entry.task_id));
    if (task != nullptr) {
      forward_update(framework_id, reconciled(*task));
      ++answered;
      continue;
    }
    auto agent = state_.agents.find(entry.agent_id);
    if (agent != state_.agents.end() && agent->second.state == AgentState::kRecovering) continue;
    TaskRecord unknown;
    unknown.info.task_id = entry.task_id;
    unknown.info.agent_id = entry.agent_id;
    unknown.framework_id = framework_id;
    unknown.executor_id = entry.task_id;
    TaskStatus status =
        make_status(unknown, record.info.partition_aware ? TaskState::kUnknown : TaskState::kLost,
                    "reconciliation", "task " + entry.task_id + " is unknown to the master");
    status.uuid.clear();
    forward_update(framework_id, status);
    ++answered;
  }
  LOG(kDebug) << "reconciled " << answered << " of " << call.tasks.size() << " tasks of framework "
              << framework_id;
}

}  // namespace clusterctl
