// Dynamic reservations, made by an operator (operator.reserve/unreserve) or by
// a framework in the operations of an accept. They are kept in the registry
// (by agent id) and apply on top of the agent's own resources; the static
// reservations of an agent's --resources cannot be undone this way. A change
// is applied in memory and in the allocator at once (so that nothing else is
// offered the same resources meanwhile), answered once stored, and undone if
// the store fails.
#include <memory>

#include "core/log.hpp"
#include "daemons/master/master_impl.hpp"
#include "daemons/master/offer_operations.hpp"

namespace clusterctl {

namespace {

// The agent's own resources with `dynamic` reservations taken from its unreserved ones.
StatusOr<Resources> apply_reservations(const Resources& own, const Resources& dynamic) {
  Resources unreserved = dynamic.with_role("*");
  if (!own.reserved_for("*").contains(unreserved)) {
    return Status::failed_precondition("the reservations " + dynamic.to_string() +
                                       " no longer fit in " + own.to_string());
  }
  return own - unreserved + dynamic;
}

Resources used_by_tasks(const AgentRecord& agent, const MasterState& state) {
  Resources used;
  for (const std::string& key : agent.task_keys) used += state.tasks.at(key).info.resources;
  return used;
}

}  // namespace

// If an agent came back with fewer resources than its reservations need,
// they are not applied (but kept in the registry) until they fit again.
Resources MasterImpl::agent_total(const AgentRecord& agent) const {
  auto found = reservations_.find(agent.info.id);
  if (found == reservations_.end() || found->second.empty()) return agent.info.resources;
  auto total = apply_reservations(agent.info.resources, found->second);
  return total ? *total : agent.info.resources;
}

std::vector<FrameworkAllocation> MasterImpl::held_on(const AgentRecord& agent) const {
  std::map<std::pair<std::string, std::string>, Resources> held;  // (framework, role)
  for (const std::string& key : agent.task_keys) {
    const TaskRecord& task = state_.tasks.at(key);
    held[{task.framework_id, task.info.role}] += task.info.resources;
  }
  for (const std::string& offer_id : agent.offer_ids) {
    const Offer& offer = state_.offers.at(offer_id).offer;
    held[{offer.framework_id, offer.role}] += offer.resources;
  }
  auto [begin, end] = accepting_.equal_range(agent.info.id);
  for (auto it = begin; it != end; ++it) {
    held[{it->second.framework_id, it->second.role}] += it->second.resources;
  }
  std::vector<FrameworkAllocation> result;
  for (auto& [owner, resources] : held) result.push_back({owner.first, resources, owner.second});
  return result;
}

void MasterImpl::update_agent_in_allocator(const std::string& agent_id) {
  auto agent = state_.agents.find(agent_id);
  if (agent == state_.agents.end() || !agent->second.in_allocator) return;
  report(allocator_->update_agent(agent_id, agent_total(agent->second), held_on(agent->second),
                                  monotonic_millis()));
  schedule_allocation();
}

void MasterImpl::change_reservations(const std::string& agent_id, const Resources& added,
                                     const Resources& removed) {
  Resources& dynamic = reservations_[agent_id];
  dynamic += added;
  dynamic -= removed;
  if (dynamic.empty()) reservations_.erase(agent_id);
  update_agent_in_allocator(agent_id);
}

void MasterImpl::store_reservations(const std::string& agent_id, const Resources& added,
                                    const Resources& removed, Registry::Done done) {
  registry_->update(
      [agent_id, added, removed](RegistryState& state) {
        Resources& stored = state.reservations[agent_id];
        stored += added;
        stored -= removed;
        if (stored.empty()) state.reservations.erase(agent_id);
        return Status::ok();
      },
      [this, agent_id, added, removed, done](Status stored) {
        if (stored) {
          LOG(kInfo) << "reservations on agent " << agent_id << " changed: +'" << added.to_string()
                     << "' -'" << removed.to_string() << "'";
        } else {
          change_reservations(agent_id, removed, added);
        }
        done(stored);
      });
}

void MasterImpl::reserve(const ReserveCall& call, bool unreserve, RpcResponder responder) {
  Status valid = check_reservation(call.resources);
  auto found = state_.agents.find(call.agent_id);
  if (valid && (found == state_.agents.end() || found->second.state != AgentState::kActive)) {
    valid = Status::not_found("agent " + call.agent_id +
                              " is not registered and active; see 'clusterctl agents'");
  }
  if (!valid) {
    responder.fail(valid);
    return;
  }
  AgentRecord& agent = found->second;
  // Offers on the agent would hold resources the change may need.
  rescind_offers_on_agent(agent, "reservations changed");
  Resources free = agent_total(agent) - used_by_tasks(agent, state_);
  const std::string what = call.resources.to_string();
  if (!unreserve && !free.contains(call.resources.with_role("*"))) {
    valid = Status::failed_precondition("agent " + call.agent_id + " does not have " +
                                        call.resources.with_role("*").to_string() +
                                        " unreserved and unused (free: " + free.to_string() + ")");
  } else if (unreserve && !reservations_[call.agent_id].contains(call.resources)) {
    valid = Status::failed_precondition(what + " is not dynamically reserved on agent " +
                                        call.agent_id + " (dynamic: '" +
                                        reservations_[call.agent_id].to_string() +
                                        "'); reservations in an agent's --resources stay");
  } else if (unreserve && !free.contains(call.resources)) {
    valid = Status::failed_precondition(what + " is in use by tasks on agent " + call.agent_id);
  }
  if (reservations_[call.agent_id].empty()) reservations_.erase(call.agent_id);
  if (!valid) {
    responder.fail(valid);
    return;
  }
  Resources added = unreserve ? Resources() : call.resources;
  Resources removed = unreserve ? call.resources : Resources();
  change_reservations(call.agent_id, added, removed);
  auto reply = std::make_shared<RpcResponder>(std::move(responder));
  store_reservations(call.agent_id, added, removed, [reply](Status stored) {
    stored ? reply->reply(empty_payload()) : reply->fail(stored);
  });
}

void MasterImpl::accept_with_operations(const std::string& framework_id,
                                        const std::string& agent_id, const std::string& role,
                                        const Resources& offered, const AcceptCall& call,
                                        RpcResponder responder) {
  const Resources& dynamic =
      reservations_.count(agent_id) ? reservations_.at(agent_id) : Resources();
  auto conversion = apply_offer_operations(offered, role, dynamic, call.operations);
  if (!conversion) {
    report(allocator_->recover(framework_id, agent_id, role, offered, 0, monotonic_millis()));
    schedule_allocation();
    responder.fail(conversion.status());
    return;
  }
  Resources converted = conversion->resources;
  Resources added = conversion->reserved;
  Resources removed = conversion->unreserved;
  auto accepting = accepting_.emplace(agent_id, FrameworkAllocation{framework_id, converted, role});
  change_reservations(agent_id, added, removed);
  auto reply = std::make_shared<RpcResponder>(std::move(responder));
  store_reservations(
      agent_id, added, removed,
      [this, accepting, framework_id, agent_id, role, converted, call, reply](Status stored) {
        accepting_.erase(accepting);
        auto framework = state_.frameworks.find(framework_id);
        bool still_there = framework != state_.frameworks.end() && framework->second.active &&
                           state_.agents.count(agent_id) > 0;
        if (!stored || !still_there) {
          update_agent_in_allocator(agent_id);  // what the accept held is free again
          reply->fail(stored ? Status::unavailable("framework or agent went away") : stored);
          return;
        }
        launch_accepted(framework_id, agent_id, role, converted, call);
        reply->reply(empty_payload());
      });
}

}  // namespace clusterctl
