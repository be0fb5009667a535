// Turning the allocator's decisions into offers, and taking offers back
// (declined, used, rescinded, or timed out with --offer-timeout).
#include <algorithm>
#include <chrono>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "daemons/master/master_impl.hpp"

namespace clusterctl {

namespace {
// Event-triggered runs are at least this far apart, so that a burst of events
// (many declines, many agents) leads to one run, never to one run per event.
constexpr int64_t kMinAllocationSpacingMillis = 20;
}  // namespace

// Many events in one turn of the loop, or within the spacing, lead to one run.
void MasterImpl::schedule_allocation() {
  if (allocation_pending_ || stopped_) return;
  allocation_pending_ = true;
  auto run = [this] {
    allocation_pending_ = false;
    if (!stopped_) run_allocation();
  };
  int64_t wait = last_allocation_millis_ + kMinAllocationSpacingMillis - monotonic_millis();
  if (wait > 0) {
    batch_timer_.start(Duration(wait), run);
  } else {
    post(io_, run);
  }
}

void MasterImpl::run_allocation() {
  auto started = std::chrono::steady_clock::now();
  int64_t now = monotonic_millis();
  last_allocation_millis_ = now;
  auto allocations = allocator_->allocate(now);
  double cycle_millis =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  if (!allocations) {
    metrics_.record_run(cycle_millis, 0);
    report(allocations.status());
    return;
  }
  std::map<std::string, std::vector<Offer>> by_framework;
  size_t made = 0;
  for (const Allocation& allocation : *allocations) {
    auto framework = state_.frameworks.find(allocation.framework_id);
    auto agent = state_.agents.find(allocation.agent_id);
    bool usable = framework != state_.frameworks.end() && framework->second.active &&
                  framework->second.connection && agent != state_.agents.end() &&
                  agent->second.state == AgentState::kActive;
    if (!usable) {
      report(allocator_->recover(allocation.framework_id, allocation.agent_id, allocation.role,
                                 allocation.resources, 0, now));
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
    ++made;
  }
  metrics_.record_run(cycle_millis, made);
  for (auto& [framework_id, offers] : by_framework) {
    watch_offer_deadlines(offers, now);
    send_offers(framework_id, std::move(offers));
  }
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
    report(allocator_->recover(offer.framework_id, offer.agent_id, offer.role, offer.resources,
                               refuse_millis, monotonic_millis()));
  }
  state_.offers.erase(found);
}

void MasterImpl::rescind_offers_on_agent(AgentRecord& agent, const std::string& reason) {
  std::vector<std::string> offer_ids(agent.offer_ids.begin(), agent.offer_ids.end());
  for (const std::string& offer_id : offer_ids) rescind_offer(offer_id, reason);
  if (!offer_ids.empty()) schedule_allocation();
}

// Tells the framework the offer is gone and gives its resources back.
void MasterImpl::rescind_offer(const std::string& offer_id, const std::string& reason) {
  auto found = state_.offers.find(offer_id);
  if (found == state_.offers.end()) return;
  auto framework = state_.frameworks.find(found->second.offer.framework_id);
  if (framework != state_.frameworks.end() && framework->second.connection) {
    framework->second.connection->notify("framework.rescind",
                                         pack_payload(RescindNotice{offer_id, reason}));
  }
  metrics_.record_rescinded(1);
  remove_offer(offer_id, true, 0);
}

// With --offer-timeout, one timer waits for the oldest outstanding offer.
void MasterImpl::watch_offer_deadlines(const std::vector<Offer>& offers, int64_t now_millis) {
  int64_t timeout = options_.offer_timeout.count();
  if (timeout <= 0) return;
  for (const Offer& offer : offers) offer_deadlines_.add(offer.id, now_millis + timeout);
  if (!offer_timer_.pending()) {
    offer_timer_.start(Duration(timeout), [this] { expire_offers(); });
  }
}

void MasterImpl::expire_offers() {
  int64_t now = monotonic_millis();
  std::string reason = "not answered within " + format_duration(options_.offer_timeout);
  size_t expired = 0;
  for (const std::string& offer_id : offer_deadlines_.take_expired(now)) {
    if (state_.offers.count(offer_id) == 0) continue;  // answered in time
    rescind_offer(offer_id, reason);
    ++expired;
  }
  if (expired > 0) {
    LOG(kInfo) << "rescinded " << expired << " offers " << reason;
    schedule_allocation();
  }
  if (auto next = offer_deadlines_.next_deadline()) {
    offer_timer_.start(Duration(std::max<int64_t>(0, *next - now)), [this] { expire_offers(); });
  }
}

}  // namespace clusterctl
