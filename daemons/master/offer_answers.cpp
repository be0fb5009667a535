#include "daemons/master/offer_answers.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace clusterctl {

StatusOr<ClaimedOffers> claim_offers(const std::map<std::string, OfferRecord>& offers,
                                     const std::string& framework_id,
                                     const std::vector<std::string>& offer_ids,
                                     bool one_agent_and_role) {
  if (offer_ids.empty()) return Status::invalid("name at least one offer");
  ClaimedOffers claimed;
  std::set<std::string> named;
  for (const std::string& offer_id : offer_ids) {
    if (!named.insert(offer_id).second) {
      return Status::invalid("offer " + offer_id + " is named twice");
    }
    auto found = offers.find(offer_id);
    if (found == offers.end()) {
      return Status::not_found("offer " + offer_id +
                               " is no longer valid (rescinded, expired or used)");
    }
    const Offer& offer = found->second.offer;
    if (offer.framework_id != framework_id) {
      return Status::permission_denied("offer " + offer_id + " was not made to framework " +
                                       framework_id + "; a framework answers only its own offers");
    }
    if (one_agent_and_role && named.size() > 1) {
      if (offer.agent_id != claimed.agent_id) {
        return Status::invalid("offers to accept together must be on one agent");
      }
      if (offer.role != claimed.role) {
        return Status::invalid("offers to accept together must be in one role (offer " + offer_id +
                               " is in role '" + offer.role + "', others in '" + claimed.role +
                               "')");
      }
    }
    claimed.agent_id = offer.agent_id;
    claimed.role = offer.role;
    claimed.resources += offer.resources;
  }
  return claimed;
}

StatusOr<int64_t> refuse_millis(const Filters& filters) {
  double seconds = filters.refuse_seconds;
  if (!std::isfinite(seconds)) {
    return Status::invalid("filters.refuse_seconds must be a finite number of seconds (at most " +
                           std::to_string(static_cast<int64_t>(kMaxRefuseSeconds)) +
                           ", a year, counts)");
  }
  seconds = std::clamp(seconds, 0.0, kMaxRefuseSeconds);
  return static_cast<int64_t>(seconds * 1000);
}

}  // namespace clusterctl
