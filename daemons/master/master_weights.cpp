// weights.set and weights.get: role weights from the --weights flag,
// overridden by those stored in the registry with weights.set.
#include <memory>

#include "core/log.hpp"
#include "core/role_weights.hpp"
#include "daemons/master/master_impl.hpp"

namespace clusterctl {

std::map<std::string, double> MasterImpl::effective_weights() const {
  std::map<std::string, double> weights = options_.weights;
  for (const auto& [role, weight] : registry_->state().weights) weights[role] = weight;
  return weights;
}

WeightsReply MasterImpl::weights_view() const {
  WeightsReply reply;
  for (const auto& [role, weight] : effective_weights()) reply.weights.push_back({role, weight});
  return reply;
}

void MasterImpl::set_weights(const WeightsSetCall& call, RpcResponder responder) {
  if (call.weights.empty()) {
    responder.fail(Status::invalid("no weights given; write ROLE=WEIGHT, e.g. analytics=3"));
    return;
  }
  for (const auto& [role, weight] : call.weights) {
    Status valid = validate_weight(role, weight);
    if (!valid) {
      responder.fail(valid);
      return;
    }
  }
  auto reply = std::make_shared<RpcResponder>(std::move(responder));
  std::map<std::string, double> weights = call.weights;
  registry_->update(
      [weights](RegistryState& state) {
        for (const auto& [role, weight] : weights) state.weights[role] = weight;
        return Status::ok();
      },
      [this, weights, reply](Status stored) {
        if (!stored) {
          reply->fail(stored);
          return;
        }
        for (const auto& [role, weight] : weights) {
          report(allocator_->set_weight(role, weight, monotonic_millis()));
          LOG(kInfo) << "weight of " << role << " set to " << weight;
        }
        reply->reply(pack_payload(weights_view()));
        schedule_allocation();
      });
}

}  // namespace clusterctl
