// Turning the allocator's decisions into offers, and taking offers back.
#include "core/ids.hpp"
#include "core/log.hpp"
#include "daemons/master/master_impl.hpp"

namespace clusterctl {

// Many events in one turn of the loop lead to one allocation run.
void MasterImpl::schedule_allocation() {
  if (allocation_pending_ || stopped_) return;
  allocation_pending_ = true;
  post(io_, [this] {
    allocation_pending_ = false;
    if (!stopped_) run_allocation();
  });
}

void MasterImpl::run_allocation() {
  int64_t now = monotonic_millis();
  auto allocations = allocator_->allocate(now);
  if (!allocations) {
    report(allocations.status());
    return;
  }
  std::map<std::string, std::vector<Offer>> by_framework;
  for (const Allocation& allocation : *allocations) {
    auto framework = state_.frameworks.find(allocation.framework_id);
    auto agent = state_.agents.find(allocation.agent_id);
    bool usable = framework != state_.frameworks.end() && framework->second.active &&
                  framework->second.connection && agent != state_.agents.end() &&
                  agent->second.state == AgentState::kActive;
    if (!usable) {
      report(allocator_->recover(allocation.framework_id, allocation.agent_id, allocation.resources,
                                 0, now));
      continue;
    }
    Offer offer;
    offer.id = new_id("offer");
    offer.framework_id = allocation.framework_id;
    offer.agent_id = allocation.agent_id;
    offer.hostname = agent->second.info.hostname;
    offer.role = allocation.role.empty() ? "*" : allocation.role;
    offer.resources = allocation.resources;
    offer.attributes = agent->second.info.attributes;
    state_.offers[offer.id] = OfferRecord{offer, now};
    framework->second.offer_ids.insert(offer.id);
    agent->second.offer_ids.insert(offer.id);
    by_framework[offer.framework_id].push_back(offer);
  }
  for (auto& [framework_id, offers] : by_framework) send_offers(framework_id, std::move(offers));
}

void MasterImpl::send_offers(const std::string& framework_id, std::vector<Offer> offers) {
  FrameworkRecord& framework = state_.frameworks.at(framework_id);
  LOG(kDebug) << "offering " << offers.size() << " offers to framework " << framework_id;
  framework.connection->notify("framework.offers", pack_payload(OffersNotice{std::move(offers)}));
}

void MasterImpl::remove_offer(const std::string& offer_id, bool recover, int64_t refuse_millis) {
  auto found = state_.offers.find(offer_id);
  if (found == state_.offers.end()) return;
  const Offer& offer = found->second.offer;
  auto framework = state_.frameworks.find(offer.framework_id);
  if (framework != state_.frameworks.end()) framework->second.offer_ids.erase(offer_id);
  auto agent = state_.agents.find(offer.agent_id);
  if (agent != state_.agents.end()) agent->second.offer_ids.erase(offer_id);
  if (recover) {
    report(allocator_->recover(offer.framework_id, offer.agent_id, offer.resources, refuse_millis,
                               monotonic_millis()));
  }
  state_.offers.erase(found);
}

void MasterImpl::rescind_offers_on_agent(AgentRecord& agent, const std::string& reason) {
  std::vector<std::string> offer_ids(agent.offer_ids.begin(), agent.offer_ids.end());
  for (const std::string& offer_id : offer_ids) {
    const Offer& offer = state_.offers.at(offer_id).offer;
    auto framework = state_.frameworks.find(offer.framework_id);
    if (framework != state_.frameworks.end() && framework->second.connection) {
      framework->second.connection->notify("framework.rescind",
                                           pack_payload(RescindNotice{offer_id, reason}));
    }
    remove_offer(offer_id, true, 0);
  }
  if (!offer_ids.empty()) schedule_allocation();
}

}  // namespace clusterctl
