// Task reconciliation: a framework asks for the latest state of its tasks and
// gets it as framework.update notifications (with no uuid: they need no
// acknowledgement, and they change nothing).
//
//   implicit (no task listed)  every live task of the framework
//   explicit (a list of ids)   each listed task: live or recently completed,
//                              its latest state; unknown to the master, LOST
//                              (UNKNOWN for partition-aware frameworks).
//
// After a master restart the master learns tasks back from their agents as
// they re-register. Until then it cannot tell an unknown task from one on an
// agent still recovering: a task it does not know gets no answer while its
// agent (the one named with it, or, when none is named, any agent) is still
// recovering. It is answered once that agent has re-registered (its real
// state, or LOST if the agent did not report it) or became unreachable after
// --agent-reregister-timeout (LOST/UNKNOWN).
#include <algorithm>

#include "core/log.hpp"
#include "daemons/master/master_impl.hpp"

namespace clusterctl {

namespace {

// Questions kept for recovering agents, over all frameworks; beyond, a
// question gets no answer (the framework asks again).
constexpr size_t kMaxDeferredQuestions = 100000;

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

bool MasterImpl::agents_recovering() const {
  return std::any_of(state_.agents.begin(), state_.agents.end(), [](const auto& entry) {
    return entry.second.state == AgentState::kRecovering;
  });
}

std::optional<TaskStatus> MasterImpl::reconcile_answer(const FrameworkRecord& framework,
                                                       const ReconcileTask& entry,
                                                       bool any_recovering) {
  const std::string& framework_id = framework.info.id;
  TaskRecord* task = find_task(task_key(framework_id, entry.task_id));
  if (task != nullptr) return reconciled(*task);
  if (entry.agent_id.empty()) {
    if (any_recovering) return std::nullopt;
  } else {
    auto agent = state_.agents.find(entry.agent_id);
    if (agent != state_.agents.end() && agent->second.state == AgentState::kRecovering)
      return std::nullopt;
  }
  TaskRecord unknown;
  unknown.info.task_id = entry.task_id;
  unknown.info.agent_id = entry.agent_id;
  unknown.framework_id = framework_id;
  unknown.executor_id = entry.task_id;
  TaskStatus status =
      make_status(unknown, framework.info.partition_aware ? TaskState::kUnknown : TaskState::kLost,
                  "reconciliation", "task " + entry.task_id + " is unknown to the master");
  status.uuid.clear();
  return status;
}

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
  bool any_recovering = agents_recovering();
  size_t answered = 0, deferred = 0;
  for (const ReconcileTask& entry : call.tasks) {
    if (auto answer = reconcile_answer(record, entry, any_recovering)) {
      forward_update(framework_id, *answer);
      ++answered;
    } else if (state_.deferred_questions < kMaxDeferredQuestions) {
      auto& questions = state_.deferred_reconciliation[entry.agent_id];
      state_.deferred_questions += questions.insert({framework_id, entry.task_id}).second;
      ++deferred;
    }
  }
  LOG(kDebug) << "reconciled " << answered << " of " << call.tasks.size() << " tasks of framework "
              << framework_id << "; " << deferred << " wait for recovering agents";
}

void MasterImpl::answer_deferred_reconciliation(const AgentRecord& agent) {
  bool any_recovering = agents_recovering();
  std::vector<std::pair<std::string, ReconcileTask>> due;  // (framework id, question)
  auto& deferred = state_.deferred_reconciliation;
  auto take = [&](const std::string& asked_agent, const std::pair<std::string, std::string>* one) {
    auto found = deferred.find(asked_agent);
    if (found == deferred.end()) return;
    auto& questions = found->second;
    auto it = one != nullptr ? questions.find(*one) : questions.begin();
    while (it != questions.end()) {
      due.push_back({it->first, ReconcileTask{it->second, asked_agent}});
      it = questions.erase(it);
      --state_.deferred_questions;
      if (one != nullptr) break;
    }
    if (questions.empty()) deferred.erase(found);
  };
  take(agent.info.id, nullptr);
  // Asked without an agent: answered once the master knows the task, or once
  // no agent is recovering any more.
  if (!any_recovering) {
    take("", nullptr);
  } else {
    for (const std::string& key : agent.task_keys) {
      const TaskRecord& task = state_.tasks.at(key);
      std::pair<std::string, std::string> question{task.framework_id, task.info.task_id};
      take("", &question);
    }
  }
  for (const auto& [framework_id, entry] : due) {
    auto framework = state_.frameworks.find(framework_id);
    if (framework == state_.frameworks.end() || framework->second.completed) continue;
    if (auto answer = reconcile_answer(framework->second, entry, any_recovering)) {
      forward_update(framework_id, *answer);
    }
  }
}

}  // namespace clusterctl
