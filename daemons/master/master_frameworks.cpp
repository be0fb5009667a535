// Framework subscription (checks; admission and failover are in
// master_failover.cpp) and the scheduler calls: accept, decline, kill,
// suppress and revive.
#include <algorithm>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "daemons/master/master_impl.hpp"
#include "daemons/master/offer_answers.hpp"

namespace clusterctl {

StatusOr<FrameworkRecord*> MasterImpl::caller_framework(const RpcConnectionPtr& connection,
                                                        const std::string& framework_id) {
  auto owner = state_.framework_of_connection.find(connection->id());
  if (owner == state_.framework_of_connection.end()) {
    return Status::failed_precondition("call framework.subscribe first");
  }
  if (!framework_id.empty() && framework_id != owner->second) {
    return Status::permission_denied("this connection is subscribed as framework " + owner->second +
                                     ", not " + framework_id);
  }
  return &state_.frameworks.at(owner->second);
}

std::string MasterImpl::framework_principal(const std::string& framework_id) const {
  if (framework_id.empty()) return "";
  auto known = state_.frameworks.find(framework_id);
  if (known != state_.frameworks.end() && !known->second.info.principal.empty())
    return known->second.info.principal;
  auto stored = registry_->state().frameworks.find(framework_id);
  return stored != registry_->state().frameworks.end() ? stored->second.principal : "";
}

void MasterImpl::subscribe(const RpcConnectionPtr& connection, FrameworkInfo info,
                           RpcResponder responder) {
  if (info.name.empty()) {
    responder.fail(Status::invalid("framework name is empty"));
    return;
  }
  if (!info.id.empty() && !is_valid_id(info.id)) {
    responder.fail(Status::invalid("invalid framework id '" + info.id + "'"));
    return;
  }
  if (info.roles.empty()) info.roles.push_back("*");
  for (const std::string& role : info.roles) {
    Status valid = validate_role(role);
    if (!valid) {
      responder.fail(valid);
      return;
    }
  }
  if (state_.framework_of_connection.count(connection->id()) > 0) {
    responder.fail(Status::already_exists("this connection already subscribed a framework"));
    return;
  }
  // The principal is the connection's, never the caller's word; an id is
  // taken over only by the principal that registered it.
  info.principal = connection->principal();
  std::string owner = framework_principal(info.id);
  if (!owner.empty() && owner != info.principal) {
    LOG(kWarning) << "refused subscription as framework " << info.id << " from "
                  << connection->peer_address() << ": registered by principal '" << owner
                  << "', not '" << info.principal << "'";
    responder.fail(Status::permission_denied(
        "framework " + info.id + " was registered by principal '" + owner + "'; " +
        (info.principal.empty() ? std::string("an unauthenticated connection")
                                : "principal '" + info.principal + "'") +
        " cannot subscribe as it"));
    return;
  }
  Status allowed = authorization_.subscribe(info.principal, info);
  if (!allowed) {
    responder.fail(allowed);
    return;
  }
  admit_framework(connection, std::move(info), std::move(responder));
}

void MasterImpl::accept(const RpcConnectionPtr& connection, const AcceptCall& call,
                        RpcResponder responder) {
  auto framework = caller_framework(connection, call.framework_id);
  if (!framework) {
    responder.fail(framework.status());
    return;
  }
  std::string framework_id = (*framework)->info.id;
  // Checked before anything changes: a refused accept leaves every offer as it was.
  auto offers = claim_offers(state_.offers, framework_id, call.offer_ids, true);
  auto refuse = offers ? refuse_millis(call.filters) : offers.status();
  for (const OfferOperation& operation : call.operations) {
    if (!refuse) break;
    Status allowed = authorization_.reserve((*framework)->info.principal, operation.resources);
    if (!allowed) refuse = allowed;
  }
  if (!refuse) {
    responder.fail(refuse.status());
    return;
  }
  for (const std::string& offer_id : call.offer_ids) remove_offer(offer_id, false, 0);
  if (!call.operations.empty()) {
    accept_with_operations(framework_id, offers->agent_id, offers->role, offers->resources, call,
                           std::move(responder));
    return;
  }
  launch_accepted(framework_id, offers->agent_id, offers->role, offers->resources, call);
  responder.reply(empty_payload());
}

void MasterImpl::launch_accepted(const std::string& framework_id, const std::string& agent_id,
                                 const std::string& role, const Resources& offered,
                                 const AcceptCall& call) {
  Resources remaining = offered;
  for (TaskInfo task : call.tasks) {
    task.agent_id = agent_id;
    if (task.role.empty() || task.role == "*") task.role = role;
    // What a task holds is accounted to its role: it must be the offer's.
    Status valid = task.role == role
                       ? Status::ok()
                       : Status::invalid("task role '" + task.role +
                                         "' differs from its offer's role '" + role + "'");
    if (valid) valid = validate_task(task, framework_id, remaining);
    bool authorized = true;
    if (valid) {
      valid = authorization_.launch(state_.frameworks.at(framework_id).info, task);
      authorized = valid.is_ok();
    }
    if (!valid) {
      TaskRecord rejected;
      rejected.info = task;
      rejected.framework_id = framework_id;
      forward_update(framework_id,
                     make_status(rejected, TaskState::kError,
                                 authorized ? "invalid task" : "unauthorized", valid.message()));
      continue;
    }
    remaining -= task.resources;
    launch_task(framework_id, task);
  }
  // Checked by accept() before the offers were taken.
  int64_t refuse = refuse_millis(call.filters).value_or(0);
  if (!remaining.empty()) {
    report(
        allocator_->recover(framework_id, agent_id, role, remaining, refuse, monotonic_millis()));
  }
}

void MasterImpl::decline(const RpcConnectionPtr& connection, const DeclineCall& call,
                         RpcResponder responder) {
  auto framework = caller_framework(connection, call.framework_id);
  if (!framework) {
    responder.fail(framework.status());
    return;
  }
  auto offers = claim_offers(state_.offers, (*framework)->info.id, call.offer_ids, false);
  auto refuse = offers ? refuse_millis(call.filters) : offers.status();
  if (!refuse) {
    responder.fail(refuse.status());
    return;
  }
  for (const std::string& offer_id : call.offer_ids) remove_offer(offer_id, true, *refuse);
  metrics_.record_declined(call.offer_ids.size());
  responder.reply(empty_payload());
  schedule_allocation();
}

void MasterImpl::kill_task(const RpcConnectionPtr& connection, const KillCall& call,
                           RpcResponder responder) {
  auto framework = caller_framework(connection, call.framework_id);
  if (!framework) {
    responder.fail(framework.status());
    return;
  }
  std::string key = task_key((*framework)->info.id, call.task_id);
  auto task = state_.tasks.find(key);
  if (task == state_.tasks.end()) {
    responder.fail(Status::not_found("task " + call.task_id + " is not running"));
    return;
  }
  Status allowed = authorization_.kill(connection->principal(), (*framework)->info);
  if (!allowed) {
    responder.fail(allowed);
    return;
  }
  auto agent = state_.agents.find(task->second.info.agent_id);
  if (agent == state_.agents.end() || !agent->second.connection) {
    // Nobody can kill it now; the framework learns its fate when the agent returns.
    responder.fail(Status::unavailable("agent of task " + call.task_id + " is not connected"));
    return;
  }
  KillTaskCall kill{(*framework)->info.id, call.task_id, -1};
  agent->second.connection->call("agent.kill_task", pack_payload(kill), Duration(10000),
                                 [](StatusOr<RpcValue> reply) {
                                   if (!reply)
                                     LOG(kWarning) << "kill failed: " << reply.status().message();
                                 });
  responder.reply(empty_payload());
}

void MasterImpl::suppress(const RpcConnectionPtr& connection, const FrameworkCall& call,
                          bool suppress, RpcResponder responder) {
  auto framework = caller_framework(connection, call.framework_id);
  if (!framework) {
    responder.fail(framework.status());
    return;
  }
  const std::string& id = (*framework)->info.id;
  for (const std::string& role : call.roles) {
    const auto& roles = (*framework)->info.roles;
    if (std::find(roles.begin(), roles.end(), role) == roles.end()) {
      responder.fail(
          Status::invalid("framework " + id + " is not subscribed in role '" + role + "'"));
      return;
    }
  }
  report(suppress ? allocator_->suppress(id, call.roles, monotonic_millis())
                  : allocator_->revive(id, call.roles, monotonic_millis()));
  responder.reply(empty_payload());
  if (!suppress) schedule_allocation();
}

}  // namespace clusterctl
