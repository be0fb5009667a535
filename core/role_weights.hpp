// Role weights in their text form, "analytics=3,batch=1.5" (the master's
// --weights flag and `clusterctl weights set`). A weight scales a role's
// fair share: a role of weight 3 gets three times what a role of weight 1
// gets. Roles without a weight have weight 1. Pure functions.
#pragma once

#include <map>
#include <string>

#include "core/status.hpp"

namespace clusterctl {

// Checks one weight: a valid role and a finite number > 0.
Status validate_weight(const std::string& role, double weight);

// Parses "ROLE=WEIGHT,ROLE=WEIGHT"; errors name the bad part. A role given
// twice is an error. "" parses to no weights.
StatusOr<std::map<std::string, double>> parse_weights(const std::string& text);

}  // namespace clusterctl
