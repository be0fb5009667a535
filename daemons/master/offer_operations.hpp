// Reservation changes as values: checking what an operator or a framework
// asks to reserve, and applying an accept's reserve/unreserve operations to
// the offered resources. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "core/messages.hpp"
#include "core/status.hpp"

namespace clusterctl {

// Resources to reserve or unreserve: not empty, each naming its role.
Status check_reservation(const Resources& resources);

struct ConvertedOffer {
  Resources resources;   // the offered resources after the operations
  Resources reserved;    // newly reserved (with roles)
  Resources unreserved;  // dynamic reservations given back (with roles)
};

// Applies `operations` in order to `offered`, held in `role`. A framework may
// reserve unreserved offered resources for its role, and unreserve offered
// dynamic reservations (`dynamic`: the agent's) of its role. Errors name the
// operation that cannot be applied.
StatusOr<ConvertedOffer> apply_offer_operations(const Resources& offered, const std::string& role,
                                                const Resources& dynamic,
                                                const std::vector<OfferOperation>& operations);

}  // namespace clusterctl
