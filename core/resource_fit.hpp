// Choosing concrete resources from an offer for what a task asks for.
//
// A task may ask "cpus:1;mem:64" without naming roles; an offer to a framework
// in role eng/ml may hold resources reserved for eng/ml, for eng, and
// unreserved ones. pick_resources decides which of them the task gets, so that
// a framework can use its reservations without spelling out their roles.
// Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>

#include "core/resources.hpp"

namespace clusterctl {

// Resources from `offered` that satisfy `wanted` for a framework in `role`:
// - an entry with a role (cpus(ops):1) is taken only from that role;
// - an entry without one (cpus:1) comes from resources reserved for `role` or
//   one of its ancestors (the most specific role first), then from
//   unreserved resources; scalars may be split across roles, ranges and sets
//   must come whole from one role.
// std::nullopt when `wanted` does not fit.
std::optional<Resources> pick_resources(const Resources& offered, const Resources& wanted,
                                        const std::string& role);

}  // namespace clusterctl
