// Framework failover and teardown, and what a restarted master takes back
// from its registry.
//
// A framework is stored in the registry when it subscribes and removed when
// it is torn down. When its scheduler disconnects, a framework with a
// failover_timeout keeps its tasks (and gets no offers) until the timeout;
// a scheduler that subscribes again with the framework's id in time gets it
// back, with every status update still waiting for its acknowledgement.
// Then, or at once without a failover_timeout, the framework is torn down:
// its tasks are killed and it can no longer subscribe.
//
// A restarted master knows its agents (state "recovering" until they
// re-register, unreachable after --agent-reregister-timeout; those unreachable
// before the restart stay unreachable, from the same time) and its
// frameworks (disconnected, each with its failover_timeout but at least the
// agent re-registration timeout, since their tasks come back with the agents).
#include <cmath>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "daemons/master/master_impl.hpp"

namespace clusterctl {

namespace {

Duration seconds(double value) {
  return Duration(static_cast<int64_t>(value * 1000));
}

bool same_info(const FrameworkInfo& a, const FrameworkInfo& b) {
  return pack_payload(a) == pack_payload(b);
}

}  // namespace

void MasterImpl::admit_framework(const RpcConnectionPtr& connection, FrameworkInfo info,
                                 RpcResponder responder) {
  if (!std::isfinite(info.failover_timeout) || info.failover_timeout < 0) {
    responder.fail(Status::invalid("failover_timeout must be a number of seconds, 0 or more"));
    return;
  }
  auto known = info.id.empty() ? state_.frameworks.end() : state_.frameworks.find(info.id);
  if (known != state_.frameworks.end() && known->second.completed) {
    responder.fail(Status::failed_precondition(
        "framework " + info.id + " was torn down; subscribe without an id to start a new one"));
    return;
  }
  if (info.id.empty()) info.id = new_id("framework");
  auto stored = registry_->state().frameworks.find(info.id);
  if (stored != registry_->state().frameworks.end() && same_info(stored->second, info)) {
    activate_framework(connection, info);
    responder.reply(pack_payload(SubscribeReply{info.id}));
    relay_.framework_connected(info.id);
    return;
  }
  // Stored before it is admitted: a restarted master knows every framework
  // that may have tasks.
  auto answer = std::make_shared<RpcResponder>(std::move(responder));
  registry_->update(
      [info](RegistryState& state) {
        state.frameworks[info.id] = info;
        return Status::ok();
      },
      [this, connection, info, answer](Status written) {
        if (stopped_) return;
        if (!written) {
          answer->fail(written);
          return;
        }
        if (!connection->is_open()) return;  // gone meanwhile; a later master may recover it
        activate_framework(connection, info);
        answer->reply(pack_payload(SubscribeReply{info.id}));
        relay_.framework_connected(info.id);
      });
}

void MasterImpl::activate_framework(const RpcConnectionPtr& connection, const FrameworkInfo& info) {
  bool known = state_.frameworks.count(info.id) > 0;
  FrameworkRecord& framework = state_.frameworks[info.id];
  if (framework.connection) {
    // The scheduler came back on a new connection: the old one is stale.
    state_.framework_of_connection.erase(framework.connection->id());
    framework.connection->close("framework re-subscribed on another connection");
  }
  if (!known) {
    framework.registered_at = wall_seconds();
    report(allocator_->add_framework(info.id, info.roles, monotonic_millis()));
  } else if (!framework.active) {
    failover_timers_.erase(info.id);
    report(allocator_->revive(info.id, {}, monotonic_millis()));
  }
  framework.info = info;
  framework.active = true;
  framework.connection = connection;
  state_.framework_of_connection[connection->id()] = info.id;
  LOG(kInfo) << "framework " << (known ? "re-subscribed: " : "subscribed: ") << info.id << " ("
             << info.name << ") in roles " << info.roles.front()
             << (info.roles.size() > 1 ? ",..." : "") << " with " << framework.task_keys.size()
             << " tasks";
  schedule_allocation();
}

void MasterImpl::framework_disconnected(const std::string& framework_id) {
  auto found = state_.frameworks.find(framework_id);
  if (found == state_.frameworks.end() || found->second.completed) return;
  FrameworkRecord& framework = found->second;
  framework.connection.reset();
  framework.active = false;
  std::vector<std::string> offer_ids(framework.offer_ids.begin(), framework.offer_ids.end());
  for (const std::string& offer_id : offer_ids) remove_offer(offer_id, true, 0);
  if (framework.info.failover_timeout <= 0) {
    teardown_framework(framework_id, "its scheduler disconnected and it has no failover timeout");
    return;
  }
  Duration timeout = seconds(framework.info.failover_timeout);
  report(allocator_->suppress(framework_id, {}, monotonic_millis()));
  auto timer = std::make_unique<Timer>(io_);
  timer->start(timeout, [this, framework_id, timeout] {
    teardown_framework(framework_id,
                       "its scheduler did not come back within its failover "
                       "timeout of " +
                           format_duration(timeout));
  });
  failover_timers_[framework_id] = std::move(timer);
  LOG(kInfo) << "framework " << framework_id << " keeps its " << framework.task_keys.size()
             << " tasks for " << format_duration(timeout) << " while its scheduler is away";
  schedule_allocation();
}

void MasterImpl::teardown(const RpcConnectionPtr& connection, const FrameworkCall& call,
                          RpcResponder responder) {
  // A scheduler may tear down its own framework only; other connections are
  // the operator's (`clusterctl frameworks teardown`).
  auto subscribed = state_.framework_of_connection.find(connection->id());
  bool by_scheduler = subscribed != state_.framework_of_connection.end();
  if (by_scheduler && subscribed->second != call.framework_id) {
    responder.fail(Status::permission_denied("this connection is subscribed as framework " +
                                             subscribed->second +
                                             "; a framework can tear down only itself"));
    return;
  }
  auto found = state_.frameworks.find(call.framework_id);
  if (found == state_.frameworks.end()) {
    responder.fail(
        Status::not_found("no framework " + call.framework_id + "; see 'clusterctl frameworks'"));
    return;
  }
  if (found->second.completed) {
    responder.fail(
        Status::failed_precondition("framework " + call.framework_id + " is already torn down"));
    return;
  }
  Status allowed = authorization_.teardown(connection->principal(), found->second.info);
  if (!allowed) {
    responder.fail(allowed);
    return;
  }
  teardown_framework(call.framework_id,
                     by_scheduler ? "its scheduler asked for it" : "an operator asked for it");
  responder.reply(empty_payload());
}

void MasterImpl::teardown_framework(const std::string& framework_id, const std::string& reason) {
  auto found = state_.frameworks.find(framework_id);
  if (found == state_.frameworks.end() || found->second.completed) return;
  FrameworkRecord& framework = found->second;
  LOG(kInfo) << "tearing down framework " << framework_id << " (" << framework.info.name
             << "): " << reason << "; killing its " << framework.task_keys.size() << " tasks";
  framework.completed = true;
  framework.active = false;
  failover_timers_.erase(framework_id);
  if (framework.connection) {
    // The scheduler learns why; its calls are refused from now on.
    state_.framework_of_connection.erase(framework.connection->id());
    framework.connection->notify(
        "framework.error",
        pack_payload(std::map<std::string, std::string>{
            {"message", "framework " + framework_id + " was torn down: " + reason}}));
    framework.connection.reset();
  }
  std::vector<std::string> offer_ids(framework.offer_ids.begin(), framework.offer_ids.end());
  for (const std::string& offer_id : offer_ids) remove_offer(offer_id, true, 0);
  for (const std::string& key : framework.task_keys) {
    const TaskRecord& task = state_.tasks.at(key);
    auto agent = state_.agents.find(task.info.agent_id);
    if (agent == state_.agents.end() || !agent->second.connection) continue;  // killed on return
    KillTaskCall kill{framework_id, task.info.task_id, -1};
    agent->second.connection->call("agent.kill_task", pack_payload(kill), Duration(10000),
                                   [](StatusOr<RpcValue>) {});
  }
  relay_.framework_gone(framework_id);
  report(allocator_->remove_framework(framework_id, monotonic_millis()));
  registry_->update(
      [framework_id](RegistryState& state) {
        state.frameworks.erase(framework_id);
        return Status::ok();
      },
      [framework_id](Status written) {
        if (!written) LOG(kError) << "framework " << framework_id << ": " << written.message();
      });
  schedule_allocation();
}

// Also clears the agent's unreachable mark: it registered, so it is reachable.
void MasterImpl::store_agent(const AgentInfo& info, std::function<void(Status)> done) {
  const RegistryState& current = registry_->state();
  auto stored = current.agents.find(info.id);
  if (stored != current.agents.end() && pack_payload(stored->second) == pack_payload(info) &&
      current.unreachable.count(info.id) == 0) {
    done(Status::ok());
    return;
  }
  registry_->update(
      [info](RegistryState& state) {
        state.agents[info.id] = info;
        state.unreachable.erase(info.id);
        return Status::ok();
      },
      std::move(done));
}

void MasterImpl::store_unreachable(const std::string& agent_id, double since) {
  registry_->update(
      [agent_id, since](RegistryState& state) {
        if (state.agents.count(agent_id) > 0) state.unreachable[agent_id] = since;
        return Status::ok();
      },
      [agent_id](Status stored) {
        if (!stored) LOG(kError) << "agent " << agent_id << " unreachable: " << stored.message();
      });
}

void MasterImpl::recover_from_registry() {
  const RegistryState& stored = registry_->state();
  for (const auto& [id, info] : stored.agents) {
    AgentRecord& agent = state_.agents[id];
    agent.info = info;
    auto unreachable = stored.unreachable.find(id);
    if (unreachable != stored.unreachable.end()) {
      // Unreachable before the restart: it stays so, from the same time.
      agent.state = AgentState::kUnreachable;
      agent.unreachable_since = unreachable->second;
    } else {
      agent.state = AgentState::kRecovering;
    }
  }
  for (const auto& [id, info] : stored.frameworks) {
    FrameworkRecord& framework = state_.frameworks[id];
    framework.info = info;
    framework.active = false;
    framework.registered_at = wall_seconds();
    report(allocator_->add_framework(id, info.roles, monotonic_millis()));
    report(allocator_->suppress(id, {}, monotonic_millis()));
    Duration timeout = std::max(seconds(info.failover_timeout), options_.agent_reregister_timeout);
    auto timer = std::make_unique<Timer>(io_);
    timer->start(timeout, [this, id = id] {
      teardown_framework(id, "its scheduler did not come back after the master restarted");
    });
    failover_timers_[id] = std::move(timer);
  }
  if (stored.agents.empty() && stored.frameworks.empty()) return;
  LOG(kInfo) << "recovered " << stored.agents.size() << " agents (" << stored.unreachable.size()
             << " of them unreachable) and " << stored.frameworks.size()
             << " frameworks from the registry; agents have "
             << format_duration(options_.agent_reregister_timeout) << " to re-register";
  reregister_timer_.start(options_.agent_reregister_timeout, [this] {
    for (auto& [id, agent] : state_.agents) {
      if (agent.state != AgentState::kRecovering) continue;
      LOG(kWarning) << "agent " << id << " did not re-register within "
                    << format_duration(options_.agent_reregister_timeout);
      schedule_removal(agent);
    }
  });
}

}  // namespace clusterctl
