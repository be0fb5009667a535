// The master's allocation methods: quota.*, weights.*, state.roles and
// operator.reserve/unreserve (the handlers are in master_quota.cpp,
// master_weights.cpp, master_roles.cpp and master_reservations.cpp), and,
// at start, the allocator's configuration from the flags and the registry.
#include "core/log.hpp"
#include "core/rpc/params.hpp"
#include "daemons/master/master_impl.hpp"

namespace clusterctl {

bool MasterImpl::on_allocation_call(const RpcMessage& message, RpcResponder& responder) {
  const std::string& method = message.method;
  if (method == "quota.set") {
    if (auto call = parse_params<QuotaSetCall>(message, responder))
      set_quota(*call, std::move(responder));
  } else if (method == "quota.get") {
    if (auto call = parse_params<RoleCall>(message, responder))
      get_quotas(*call, std::move(responder));
  } else if (method == "quota.remove") {
    if (auto call = parse_params<RoleCall>(message, responder))
      remove_quota(*call, std::move(responder));
  } else if (method == "weights.set") {
    if (auto call = parse_params<WeightsSetCall>(message, responder))
      set_weights(*call, std::move(responder));
  } else if (method == "weights.get") {
    responder.reply(pack_payload(weights_view()));
  } else if (method == "state.roles") {
    responder.reply(pack_payload(roles_view()));
  } else if (method == "operator.reserve" || method == "operator.unreserve") {
    if (auto call = parse_params<ReserveCall>(message, responder))
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
