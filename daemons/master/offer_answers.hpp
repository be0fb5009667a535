// What a framework's answer to its offers (framework.accept or
// framework.decline) must hold before the master changes anything: offers
// that are outstanding, made to this framework, each named once and, for an
// accept, all on one agent and in one role; and filters with a finite
// refuse_seconds. An answer that fails a check is refused as a whole, so
// that no offer (least of all another framework's) is touched by it.
// Pure functions; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/messages.hpp"
#include "core/resources.hpp"
#include "core/status.hpp"
#include "daemons/master/master_state.hpp"

namespace clusterctl {

// refuse_seconds is kept to at most a year: longer is as good as forever.
inline constexpr double kMaxRefuseSeconds = 365.0 * 24 * 3600;

// The offers an accept uses, added up.
struct ClaimedOffers {
  std::string agent_id;
  std::string role;
  Resources resources;
};

// Checks that `offer_ids` (at least one) name distinct outstanding offers of
// `framework_id`: not_found for an unknown one (rescinded, expired or used),
// failed_precondition for another framework's, invalid_argument for one named
// twice. With `one_agent_and_role` (accept), they must also share an agent
// and a role.
StatusOr<ClaimedOffers> claim_offers(const std::map<std::string, OfferRecord>& offers,
                                     const std::string& framework_id,
                                     const std::vector<std::string>& offer_ids,
                                     bool one_agent_and_role);

// filters.refuse_seconds in milliseconds: invalid_argument if it is not a
// finite number; a negative one is 0 (no filter), more than
// kMaxRefuseSeconds is kMaxRefuseSeconds.
StatusOr<int64_t> refuse_millis(const Filters& filters);

}  // namespace clusterctl
