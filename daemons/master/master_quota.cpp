// quota.set, quota.get and quota.remove: quotas are checked, stored in the
// registry, and only then given to the allocator and confirmed.
#include <memory>

#include "core/log.hpp"
#include "daemons/master/master_impl.hpp"
#include "daemons/master/quota_rules.hpp"

namespace clusterctl {

namespace {
QuotaView make_quota_view(const QuotaConfig& quota,
                          const std::map<std::string, Resources>& allocated) {
  auto held = allocated.find(quota.role);
  return {quota.role, quota.guarantee, quota.limit,
          held == allocated.end() ? Resources() : held->second};
}
}  // namespace

Resources MasterImpl::cluster_total() const {
  Resources total;
  for (const auto& [id, agent] : state_.agents) {
    if (agent.state == AgentState::kActive) total += agent_total(agent);
  }
  return total;
}

std::map<std::string, Resources> MasterImpl::allocated_by_role() {
  std::map<std::string, Resources> allocated;
  auto roles = allocator_->roles();
  if (!roles) {
    report(roles.status());
    return allocated;
  }
  for (const AllocatorRoleState& role : *roles) allocated[role.role] = role.allocated;
  return allocated;
}

void MasterImpl::set_quota(const QuotaSetCall& call, RpcResponder responder) {
  QuotaConfig quota{call.role, call.guarantee, call.limit};
  Status valid = validate_quota(quota);
  if (!valid) {
    responder.fail(valid);
    return;
  }
  auto reply = std::make_shared<RpcResponder>(std::move(responder));
  // Checked against the quotas as they are when this change is applied, so
  // that two quotas set at once cannot overcommit the cluster together.
  registry_->update(
      [this, quota, force = call.force](RegistryState& state) {
        CLUSTERCTL_RETURN_IF_ERROR(check_quota_fits(quota, state.quotas, cluster_total(), force));
        state.quotas[quota.role] = quota;
        return Status::ok();
      },
      [this, quota, reply](Status stored) {
        if (!stored) {
          reply->fail(stored);
          return;
        }
        report(allocator_->set_quota(quota.role, quota.guarantee, quota.limit, monotonic_millis()));
        LOG(kInfo) << "quota of " << quota.role << " set: guarantee '"
                   << quota.guarantee.to_string() << "', limit '" << quota.limit.to_string() << "'";
        reply->reply(pack_payload(QuotasReply{{make_quota_view(quota, allocated_by_role())}}));
        schedule_allocation();
      });
}

void MasterImpl::get_quotas(const RoleCall& call, RpcResponder responder) {
  const auto& quotas = registry_->state().quotas;
  std::map<std::string, Resources> allocated = allocated_by_role();
  QuotasReply reply;
  if (call.role.empty()) {
    for (const auto& [role, quota] : quotas)
      reply.quotas.push_back(make_quota_view(quota, allocated));
  } else {
    Status valid = validate_role(call.role);
    if (!valid) {
      responder.fail(valid);
      return;
    }
    auto found = quotas.find(call.role);
    if (found == quotas.end()) {
      responder.fail(Status::not_found("role " + call.role + " has no quota"));
      return;
    }
    reply.quotas.push_back(make_quota_view(found->second, allocated));
  }
  responder.reply(pack_payload(reply));
}

void MasterImpl::remove_quota(const RoleCall& call, RpcResponder responder) {
  Status valid = validate_role(call.role);
  if (!valid) {
    responder.fail(valid);
    return;
  }
  auto reply = std::make_shared<RpcResponder>(std::move(responder));
  std::string role = call.role;
  registry_->update(
      [role](RegistryState& state) {
        if (state.quotas.erase(role) == 0) {
          return Status::not_found("role " + role + " has no quota");
        }
        return Status::ok();
      },
      [this, role, reply](Status stored) {
        if (!stored) {
          reply->fail(stored);
          return;
        }
        report(allocator_->remove_quota(role, monotonic_millis()));
        LOG(kInfo) << "quota of " << role << " removed";
        reply->reply(empty_payload());
        schedule_allocation();
      });
}

}  // namespace clusterctl
