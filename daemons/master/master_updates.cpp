// Reliable status updates on the master's side: who may send an update or an
// acknowledgement, and what an update does to the master's record of its
// task. The delivery itself (passing updates on once per framework
// connection, resending, exactly one terminal update, acknowledgements to the
// agent) is the UpdateRelay's (daemons/master/update_relay.hpp).
//
// An agent speaks only for itself: agent.status_update is taken only from
// the connection the agent registered on, naming that agent, for a task that
// runs there (or one the master does not know, which is acknowledged and
// dropped). A framework acknowledges only its own tasks' updates.
#include "core/log.hpp"
#include "daemons/master/master_impl.hpp"

namespace clusterctl {

namespace {
constexpr Duration kAcknowledgeTimeout{10000};
}  // namespace

UpdateRelay::Links MasterImpl::relay_links() {
  UpdateRelay::Links links;
  links.framework_connection = [this](const std::string& framework_id) {
    auto framework = state_.frameworks.find(framework_id);
    if (framework == state_.frameworks.end() || framework->second.completed) {
      return std::optional<uint64_t>();
    }
    const RpcConnectionPtr& connection = framework->second.connection;
    return std::optional<uint64_t>(connection ? connection->id() : 0);
  };
  links.send = [this](const std::string& framework_id, const TaskStatus& status) {
    forward_update(framework_id, status);
  };
  links.acknowledge = [this](const std::string& agent_id, const TaskStatus& status) {
    send_acknowledgement(agent_id, status);
  };
  return links;
}

TaskRecord* MasterImpl::find_task(const std::string& key) {
  auto live = state_.tasks.find(key);
  if (live != state_.tasks.end()) return &live->second;
  auto done = state_.completed_by_key.find(key);
  return done != state_.completed_by_key.end() ? done->second : nullptr;
}

const TaskRecord* MasterImpl::find_task(const std::string& key) const {
  return const_cast<MasterImpl*>(this)->find_task(key);
}

StatusOr<std::string> MasterImpl::caller_agent(const RpcConnectionPtr& connection,
                                               const std::string& method) const {
  auto agent = state_.agent_of_connection.find(connection->id());
  if (agent == state_.agent_of_connection.end()) {
    return Status::failed_precondition(method +
                                       " is for agents: call agent.register on this "
                                       "connection first");
  }
  return agent->second;
}

Status MasterImpl::check_update_source(const std::string& agent_id,
                                       const TaskStatus& status) const {
  if (status.agent_id != agent_id) {
    return Status::failed_precondition("this connection is agent " + agent_id +
                                       "; it cannot send updates as agent '" + status.agent_id +
                                       "'");
  }
  if (status.uuid.empty()) return Status::invalid("a status update needs a uuid");
  const TaskRecord* task = find_task(task_key(status.framework_id, status.task_id));
  if (task != nullptr && task->info.agent_id != agent_id) {
    return Status::failed_precondition("task " + status.task_id + " of framework " +
                                       status.framework_id + " runs on agent " +
                                       task->info.agent_id + ", not on agent " + agent_id);
  }
  return Status::ok();
}

void MasterImpl::status_update(const RpcConnectionPtr& connection, const StatusUpdateCall& call,
                               RpcResponder responder) {
  const TaskStatus& status = call.status;
  auto agent_id = caller_agent(connection, "agent.status_update");
  Status allowed = agent_id ? check_update_source(*agent_id, status) : agent_id.status();
  if (!allowed) {
    LOG(kWarning) << "refused status update " << status.state << " of task " << status.task_id
                  << " from " << connection->peer_address() << ": " << allowed.message();
    responder.fail(allowed);
    return;
  }
  responder.reply(empty_payload());
  std::string key = task_key(status.framework_id, status.task_id);
  UpdateRelay::Received received = relay_.from_agent(status);
  if (received == UpdateRelay::Received::kUnknown) {
    LOG(kDebug) << "status update " << status.state << " for unknown task " << key;
    return;
  }
  auto live = state_.tasks.find(key);
  if (live == state_.tasks.end()) return;
  if (received == UpdateRelay::Received::kNew) apply_status(live->second, status);
  if (is_terminal(live->second.state)) complete_task(key);
}

void MasterImpl::acknowledge(const RpcConnectionPtr& connection, const AcknowledgeCall& call,
                             RpcResponder responder) {
  auto framework = caller_framework(connection, call.framework_id);
  if (!framework) {
    responder.fail(framework.status());
    return;
  }
  responder.reply(empty_payload());
  if (!relay_.acknowledge((*framework)->info.id, call.task_id, call.uuid)) {
    LOG(kDebug) << "ignoring acknowledgement " << call.uuid << " of task " << call.task_id
                << ": no such update is waiting (a duplicate?)";
  }
}

void MasterImpl::send_acknowledgement(const std::string& agent_id, const TaskStatus& status) {
  if (status.uuid.empty()) return;
  auto agent = state_.agents.find(agent_id);
  if (agent == state_.agents.end() || !agent->second.connection) return;  // it sends it again
  AcknowledgeCall call{status.framework_id, agent_id, status.task_id, status.uuid};
  agent->second.connection->call("agent.acknowledge", pack_payload(call), kAcknowledgeTimeout,
                                 [](StatusOr<RpcValue>) {});
}

}  // namespace clusterctl
