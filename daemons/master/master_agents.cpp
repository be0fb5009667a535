// Agent registration and re-registration, health pings, and agent loss.
//
// Agents are stored in the registry when they first register (and when what
// they say of themselves changes), so that a restarted master knows them. A
// lost agent is marked unreachable through --agent-removal-rate-limit, so that
// a network split does not remove most of a cluster at once, and is stored as
// unreachable, so that a restarted master knows it is and since when.
#include "core/ids.hpp"
#include "core/log.hpp"
#include "daemons/master/master_impl.hpp"

namespace clusterctl {

namespace {
Status validate_agent(const AgentInfo& info) {
  if (!info.id.empty() && !is_valid_id(info.id)) {
    return Status::invalid("invalid agent id '" + info.id + "'");
  }
  if (info.address.empty()) return Status::invalid("agent did not say its address");
  if (info.resources.empty()) return Status::invalid("agent has no resources to offer");
  Status limits = check_resource_limits(info.resources);
  if (!limits) return Status::invalid("agent offers too much: " + limits.message());
  return Status::ok();
}
}  // namespace

void MasterImpl::register_agent(const RpcConnectionPtr& connection, const RegisterAgentCall& call,
                                RpcResponder responder) {
  Status valid = validate_agent(call.agent);
  if (!valid) {
    responder.fail(valid);
    return;
  }
  auto registered = state_.agent_of_connection.find(connection->id());
  if (registered != state_.agent_of_connection.end() && registered->second != call.agent.id) {
    responder.fail(Status::failed_precondition("this connection is agent " + registered->second +
                                               "; it cannot register as another agent"));
    return;
  }
  std::string agent_id = call.agent.id.empty() ? new_id("agent") : call.agent.id;
  auto existing = state_.agents.find(agent_id);
  if (existing != state_.agents.end() && !existing->second.info.principal.empty() &&
      existing->second.info.principal != connection->principal()) {
    // An impostor must not kick the real agent: nothing changes.
    LOG(kWarning) << "refused registration as agent " << agent_id << " from "
                  << connection->peer_address() << ": registered by principal '"
                  << existing->second.info.principal << "', not '" << connection->principal()
                  << "'";
    responder.fail(Status::permission_denied(
        "agent " + agent_id + " was registered by principal '" + existing->second.info.principal +
        "'; " +
        (connection->principal().empty() ? std::string("an unauthenticated connection")
                                         : "principal '" + connection->principal() + "'") +
        " cannot register as it"));
    return;
  }
  bool known = existing != state_.agents.end();
  AgentRecord& agent = state_.agents[agent_id];
  bool was_recovering = known && agent.state == AgentState::kRecovering;
  bool was_unreachable = known && agent.state == AgentState::kUnreachable;
  if (known) {
    // Re-registration: the allocator forgets the agent and learns it anew
    // with what runs there now.
    rescind_offers_on_agent(agent, "agent re-registered");
    if (agent.in_allocator) {
      report(allocator_->remove_agent(agent_id, monotonic_millis()));
      agent.in_allocator = false;
    }
    if (agent.connection && agent.connection != connection) {
      state_.agent_of_connection.erase(agent.connection->id());
      agent.connection->close("agent re-registered on another connection");
    }
  } else {
    agent.registered_at = wall_seconds();
  }
  agent.info = call.agent;
  agent.info.id = agent_id;
  agent.info.principal = connection->principal();  // never the caller's word
  agent.state = AgentState::kActive;
  agent.connection = connection;
  agent.missed_pings = 0;
  agent.ping_in_flight = false;
  agent.unreachable_since = 0;
  if (agent.registered_at == 0) agent.registered_at = wall_seconds();
  state_.agent_of_connection[connection->id()] = agent_id;
  reconcile_agent_tasks(agent, call.tasks, was_unreachable);
  add_agent_to_allocator(agent);
  if (was_recovering) answer_deferred_reconciliation(agent);
  LOG(kInfo) << (known ? "agent re-registered: " : "agent registered: ") << agent_id << " at "
             << agent.info.address << " (" << agent.info.hostname << ") with "
             << agent.info.resources.to_string() << " and " << call.tasks.size() << " tasks";
  RegisterAgentReply reply;
  reply.agent_id = agent_id;
  reply.ping_interval_millis = options_.agent_ping_timeout.count();
  // Answered once stored: an agent never works under an id a restarted
  // master would not know.
  auto answer = std::make_shared<RpcResponder>(std::move(responder));
  store_agent(agent.info, [answer, reply](Status stored) {
    if (stored) {
      answer->reply(pack_payload(reply));
    } else {
      answer->fail(Status(stored.kind(), "cannot record the agent: " + stored.message()));
    }
  });
  schedule_allocation();
}

// Makes the master's view of an agent's tasks agree with the agent's own list.
//
// An agent back from unreachable may bring tasks the master never knew (it
// restarted meanwhile): a framework that is not partition-aware was (or
// would be) told by reconciliation that they are LOST, so they are: reported
// LOST and killed, like those the master knew.
void MasterImpl::reconcile_agent_tasks(AgentRecord& agent, const std::vector<AgentTask>& reported,
                                       bool was_unreachable) {
  std::set<std::string> seen;
  for (const AgentTask& entry : reported) {
    std::string key = task_key(entry.framework_id, entry.task.task_id);
    seen.insert(key);
    bool ended = is_terminal(entry.state);
    auto framework = state_.frameworks.find(entry.framework_id);
    bool framework_gone = framework == state_.frameworks.end() || framework->second.completed;
    TaskRecord* known = find_task(key);
    bool told_over = known != nullptr && state_.tasks.count(key) == 0 &&
                     relay_.terminal_reported(entry.framework_id, entry.task.task_id);
    bool lost_meanwhile = known == nullptr && was_unreachable && !framework_gone &&
                          !framework->second.info.partition_aware;
    if (!ended && (framework_gone || told_over || lost_meanwhile)) {
      // Its framework is gone, or was told the task is over: it must not run on.
      KillTaskCall kill{entry.framework_id, entry.task.task_id, -1};
      agent.connection->call("agent.kill_task", pack_payload(kill), Duration(10000),
                             [](StatusOr<RpcValue>) {});
    }
    auto live = state_.tasks.find(key);
    if (live != state_.tasks.end()) {
      if (live->second.state == TaskState::kUnreachable) {
        update_task(key, make_status(live->second, entry.state, "agent reregistered",
                                     "agent " + agent.info.id + " is reachable again"));
      }
      continue;
    }
    if (known == nullptr && !framework_gone) learn_task(agent, entry);
    if (lost_meanwhile && !ended) {
      update_task(key, make_status(state_.tasks.at(key), TaskState::kLost, "agent lost",
                                   "agent " + agent.info.id +
                                       " came back after it was marked unreachable"));
    }
  }
  std::vector<std::string> missing;
  for (const std::string& key : agent.task_keys) {
    if (seen.count(key) == 0) missing.push_back(key);
  }
  for (const std::string& key : missing) {
    TaskRecord& task = state_.tasks[key];
    update_task(key, make_status(task, TaskState::kLost, "task unknown to agent",
                                 "agent " + agent.info.id + " re-registered without this task"));
  }
}

// A task the master did not know, e.g. after a master restart: live, or
// already ended with its terminal update still on its way from the agent.
void MasterImpl::learn_task(AgentRecord& agent, const AgentTask& entry) {
  std::string key = task_key(entry.framework_id, entry.task.task_id);
  TaskRecord task;
  task.info = entry.task;
  task.info.agent_id = agent.info.id;
  task.framework_id = entry.framework_id;
  task.executor_id = entry.task.task_id;
  task.state = entry.state;
  task.started_at = task.updated_at = wall_seconds();
  task.last_status =
      make_status(task, task.state, "agent reregistered", "reported by agent " + agent.info.id);
  task.update_stream = relay_.track(entry.framework_id, entry.task.task_id, agent.info.id);
  if (is_terminal(task.state)) {
    remember_completed(std::move(task));
    return;
  }
  state_.tasks[key] = std::move(task);
  agent.task_keys.insert(key);
  state_.frameworks.at(entry.framework_id).task_keys.insert(key);
}

void MasterImpl::add_agent_to_allocator(AgentRecord& agent) {
  report(
      allocator_->add_agent(agent.info.id, agent_total(agent), held_on(agent), monotonic_millis()));
  agent.in_allocator = true;
}

void MasterImpl::ping_agents() {
  std::vector<std::string> ids;
  for (auto& [id, agent] : state_.agents) {
    if (agent.state == AgentState::kActive || agent.state == AgentState::kDisconnected) {
      ids.push_back(id);
    }
  }
  for (const std::string& id : ids) {
    AgentRecord& agent = state_.agents.at(id);
    if (agent.ping_in_flight) continue;
    if (!agent.connection || !agent.connection->is_open()) {
      ping_answered(id, false);
      continue;
    }
    agent.ping_in_flight = true;
    agent.connection->call("agent.ping", empty_payload(), options_.agent_ping_timeout,
                           [this, id](StatusOr<RpcValue> reply) {
                             if (stopped_) return;
                             auto agent = state_.agents.find(id);
                             if (agent != state_.agents.end()) agent->second.ping_in_flight = false;
                             ping_answered(id, reply.is_ok());
                           });
  }
}

void MasterImpl::ping_answered(const std::string& agent_id, bool answered) {
  auto found = state_.agents.find(agent_id);
  if (found == state_.agents.end() || found->second.state == AgentState::kUnreachable ||
      found->second.state == AgentState::kRecovering) {
    return;
  }
  AgentRecord& agent = found->second;
  if (answered) {
    agent.missed_pings = 0;
    return;
  }
  ++agent.missed_pings;
  LOG(kWarning) << "agent " << agent_id << " missed " << agent.missed_pings << " of "
                << options_.max_agent_ping_timeouts << " pings";
  if (agent.missed_pings >= options_.max_agent_ping_timeouts) schedule_removal(agent);
}

void MasterImpl::schedule_removal(AgentRecord& agent) {
  if (agent.removal_scheduled) return;
  agent.removal_scheduled = true;
  if (removal_limiter_.waiting() > 0) {
    LOG(kWarning) << "agent " << agent.info.id << " waits for --agent-removal-rate-limit "
                  << options_.agent_removal_rate_limit << " to be marked unreachable";
  }
  std::string agent_id = agent.info.id;
  removal_limiter_.acquire([this, agent_id] {
    if (stopped_) return;
    auto found = state_.agents.find(agent_id);
    if (found == state_.agents.end()) return;
    AgentRecord& lost = found->second;
    lost.removal_scheduled = false;
    bool still_lost = lost.state == AgentState::kRecovering ||
                      (lost.state != AgentState::kUnreachable &&
                       lost.missed_pings >= options_.max_agent_ping_timeouts);
    if (still_lost) mark_unreachable(lost);
  });
}

void MasterImpl::agent_disconnected(const std::string& agent_id) {
  auto found = state_.agents.find(agent_id);
  if (found == state_.agents.end()) return;
  AgentRecord& agent = found->second;
  agent.connection.reset();
  if (agent.state == AgentState::kActive) agent.state = AgentState::kDisconnected;
  // Its offers cannot be used while it is away.
  rescind_offers_on_agent(agent, "agent disconnected");
}

void MasterImpl::mark_unreachable(AgentRecord& agent) {
  LOG(kWarning) << "agent " << agent.info.id << " (" << agent.info.hostname << ") is unreachable: "
                << (agent.state == AgentState::kRecovering
                        ? std::string("it did not re-register after the master restarted")
                        : "no answer to " + std::to_string(agent.missed_pings) + " pings");
  rescind_offers_on_agent(agent, "agent unreachable");
  bool was_recovering = agent.state == AgentState::kRecovering;
  if (agent.in_allocator) {
    report(allocator_->remove_agent(agent.info.id, monotonic_millis()));
    agent.in_allocator = false;
  }
  agent.state = AgentState::kUnreachable;
  agent.unreachable_since = wall_seconds();
  store_unreachable(agent.info.id, agent.unreachable_since);
  std::vector<std::string> keys(agent.task_keys.begin(), agent.task_keys.end());
  for (const std::string& key : keys) {
    TaskRecord& task = state_.tasks.at(key);
    auto framework = state_.frameworks.find(task.framework_id);
    bool partition_aware =
        framework != state_.frameworks.end() && framework->second.info.partition_aware;
    TaskState state = partition_aware ? TaskState::kUnreachable : TaskState::kLost;
    update_task(key, make_status(task, state, "agent lost",
                                 "agent " + agent.info.id + " (" + agent.info.hostname +
                                     ") stopped answering pings"));
  }
  if (agent.connection) {
    state_.agent_of_connection.erase(agent.connection->id());
    agent.connection->close("agent marked unreachable");
    agent.connection.reset();
  }
  if (was_recovering) answer_deferred_reconciliation(agent);
}

}  // namespace clusterctl
