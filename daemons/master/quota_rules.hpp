// The rules a quota must follow before the master stores it. A quota names
// scalar quantities without roles ("cpus:4;mem:4096"): a guarantee that the
// allocator holds back for the role's subtree, and a limit the subtree never
// exceeds. Pure functions.
#pragma once

#include <map>
#include <string>

#include "core/status.hpp"
#include "daemons/master/registry.hpp"

namespace clusterctl {

// The quota on its own: a valid role other than "*", scalar quantities
// without roles, and a guarantee no larger than the limit.
Status validate_quota(const QuotaConfig& quota);

// The quota among the others (keyed by role; an entry for its own role is
// replaced): its guarantee fits under every ancestor's limit and its limit
// above every descendant's guarantee; a role's guarantee includes those of its
// subroles, so theirs (the nearest guaranteed ones) add up to no more than its
// guarantee and its limit. Unless `force`, the guarantees of the top-most
// guaranteed roles must also add up to no more than `cluster_total`.
Status check_quota_fits(const QuotaConfig& quota, const std::map<std::string, QuotaConfig>& others,
                        const Resources& cluster_total, bool force);

}  // namespace clusterctl
