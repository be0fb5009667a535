// The master's allocation methods: quota.*, weights.*, state.roles and
// operator.reserve/unreserve (the handlers are in master_quota.cpp,
// master_weights.cpp, master_roles.cpp and master_reservations.cpp), and,
// at start, the allocator's configuration from the flags and the registry.
#include "core/log.hpp"
#include "core/rpc/params.hpp"
#include "daemons/master/master_impl.hpp"

namespace clusterctl {

bool MasterImpl::on_allocation_call(const RpcConnectionPtr& connection, const RpcMessage& message,
                                    RpcResponder& responder) {
  const std::string& method = message.method;
  const std::string& principal = connection->principal();
  // The ACL checks (master_authorization.hpp) come first; a denied call changes nothing.
  auto allowed = [&responder](Status decision) {
    if (!decision) responder.fail(decision);
    return decision.is_ok();
  };
  if (method == "quota.set") {
    auto call = parse_params<QuotaSetCall>(message, responder);
    if (call && allowed(authorization_.set_quota(principal, call->role)))
      set_quota(*call, std::move(responder));
  } else if (method == "quota.get") {
    if (auto call = parse_params<RoleCall>(message, responder))
      get_quotas(*call, std::move(responder));
  } else if (method == "quota.remove") {
    auto call = parse_params<RoleCall>(message, responder);
    if (call && allowed(authorization_.set_quota(principal, call->role)))
      remove_quota(*call, std::move(responder));
  } else if (method == "weights.set") {
    auto call = parse_params<WeightsSetCall>(message, responder);
    if (call && allowed(authorization_.set_weights(principal, call->weights)))
      set_weights(*call, std::move(responder));
  } else if (method == "weights.get") {
    responder.reply(pack_payload(weights_view()));
  } else if (method == "state.roles") {
    responder.reply(pack_payload(roles_view()));
  } else if (method == "operator.reserve" || method == "operator.unreserve") {
    auto call = parse_params<ReserveCall>(message, responder);
    if (call && allowed(authorization_.reserve(principal, call->resources)))
      reserve(*call, method == "operator.unreserve", std::move(responder));
  } else {
    return false;
  }
  return true;
}

void MasterImpl::restore_allocation_config() {
  int64_t now = monotonic_millis();
  for (const auto& [role, weight] : effective_weights()) {
    report(allocator_->set_weight(role, weight, now));
  }
  const RegistryState& stored = registry_->state();
  for (const auto& [role, quota] : stored.quotas) {
    report(allocator_->set_quota(role, quota.guarantee, quota.limit, now));
  }
  reservations_ = stored.reservations;
  if (!stored.quotas.empty() || !stored.reservations.empty()) {
    LOG(kInfo) << "restored " << stored.quotas.size() << " quotas and the reservations of "
               << stored.reservations.size() << " agents from the registry";
  }
}

}  // namespace clusterctl
