#include "daemons/master/quota_rules.hpp"

#include <vector>

namespace clusterctl {

namespace {

Status check_quantities(const Resources& resources, const std::string& what) {
  for (const Resource& resource : resources.items()) {
    if (resource.type != Resource::Type::kScalar) {
      return Status::invalid(what + " '" + resources.to_string() + "': only scalar resources " +
                             "(cpus, mem, disk, ...) can have a quota");
    }
    if (resource.role != "*") {
      return Status::invalid(what + " '" + resources.to_string() +
                             "': write quantities without a role, e.g. cpus:4;mem:4096");
    }
  }
  return Status::ok();
}

// Whether some resource named in `bound` is larger in `amount`.
bool exceeds(const Resources& amount, const Resources& bound) {
  for (const Resource& resource : bound.items()) {
    if (amount.scalar(resource.name) > resource.scalar()) return true;
  }
  return false;
}

// Whether `amount` needs more of some resource than `capacity` has.
bool larger_than(const Resources& amount, const Resources& capacity) {
  for (const Resource& resource : amount.items()) {
    if (resource.scalar() > capacity.scalar(resource.name)) return true;
  }
  return false;
}

std::string shown(const Resources& resources) {
  return resources.empty() ? "nothing" : resources.to_string();
}

// The guaranteed roles nearest below `role` in `all`: no other guaranteed
// role lies between them and it.
std::vector<std::string> nearest_guaranteed_below(const std::string& role,
                                                  const std::map<std::string, QuotaConfig>& all) {
  auto guaranteed_below = [&](const std::string& upper, const std::string& lower) {
    return lower != upper && role_includes(upper, lower) && !all.at(lower).guarantee.empty();
  };
  std::vector<std::string> nearest;
  for (const auto& [candidate, config] : all) {
    if (!guaranteed_below(role, candidate)) continue;
    bool between = false;
    for (const auto& [middle, middle_config] : all) {
      if (guaranteed_below(role, middle) && guaranteed_below(middle, candidate)) between = true;
    }
    if (!between) nearest.push_back(candidate);
  }
  return nearest;
}

// A role's guarantee holds those of its subroles, and its limit bounds them:
// the guarantees nearest below it must add up to no more than either.
Status check_subrole_guarantees(const std::string& role,
                                const std::map<std::string, QuotaConfig>& all) {
  const QuotaConfig& config = all.at(role);
  std::vector<std::string> below = nearest_guaranteed_below(role, all);
  if (below.empty()) return Status::ok();
  Resources sum;
  std::string names;
  for (const std::string& subrole : below) {
    sum += all.at(subrole).guarantee;
    names += (names.empty() ? "" : ", ") + subrole;
  }
  std::string what = "the guarantees of " + names + " add up to " + shown(sum) + ", more than ";
  if (!config.guarantee.empty() && larger_than(sum, config.guarantee)) {
    return Status::invalid(what + "the guarantee of " + role + " (" + shown(config.guarantee) +
                           "), which includes them");
  }
  if (exceeds(sum, config.limit)) {
    return Status::invalid(what + "the limit of " + role + " (" + shown(config.limit) + ")");
  }
  return Status::ok();
}

}  // namespace

Status validate_quota(const QuotaConfig& quota) {
  CLUSTERCTL_RETURN_IF_ERROR(validate_role(quota.role));
  if (quota.role == "*") {
    return Status::invalid("the default role '*' cannot have a quota; name a role, e.g. analytics");
  }
  CLUSTERCTL_RETURN_IF_ERROR(check_quantities(quota.guarantee, "guarantee"));
  CLUSTERCTL_RETURN_IF_ERROR(check_quantities(quota.limit, "limit"));
  if (quota.guarantee.empty() && quota.limit.empty()) {
    return Status::invalid("a quota needs a guarantee, a limit or both");
  }
  if (exceeds(quota.guarantee, quota.limit)) {
    return Status::invalid("the guarantee of " + quota.role + " (" + shown(quota.guarantee) +
                           ") exceeds its limit (" + shown(quota.limit) + ")");
  }
  return Status::ok();
}

Status check_quota_fits(const QuotaConfig& quota, const std::map<std::string, QuotaConfig>& others,
                        const Resources& cluster_total, bool force) {
  std::map<std::string, QuotaConfig> all = others;
  all[quota.role] = quota;
  for (const auto& [role, other] : all) {
    if (role == quota.role) continue;
    if (role_includes(role, quota.role) && exceeds(quota.guarantee, other.limit)) {
      return Status::invalid("the guarantee of " + quota.role + " (" + shown(quota.guarantee) +
                             ") exceeds the limit of " + role + " (" + shown(other.limit) + ")");
    }
    if (role_includes(quota.role, role) && exceeds(other.guarantee, quota.limit)) {
      return Status::invalid("the limit of " + quota.role + " (" + shown(quota.limit) +
                             ") is below the guarantee of " + role + " (" + shown(other.guarantee) +
                             ")");
    }
  }
  // The quota's own role and its ancestors: the sums this quota is part of.
  for (const auto& [role, config] : all) {
    if (role_includes(role, quota.role)) {
      CLUSTERCTL_RETURN_IF_ERROR(check_subrole_guarantees(role, all));
    }
  }
  if (force) return Status::ok();
  Resources guaranteed;
  for (const auto& [role, candidate] : all) {
    bool nested = false;
    for (const auto& [ancestor, config] : all) {
      if (ancestor != role && !config.guarantee.empty() && role_includes(ancestor, role)) {
        nested = true;
      }
    }
    if (!nested) guaranteed += candidate.guarantee;
  }
  Resources capacity = cluster_total.with_role("*");
  if (larger_than(guaranteed, capacity)) {
    return Status::failed_precondition("the quota of " + quota.role +
                                       " cannot be met: the guarantees add up to " +
                                       shown(guaranteed) + " but the cluster has " +
                                       shown(capacity) + "; use --force to set it anyway");
  }
  return Status::ok();
}

}  // namespace clusterctl
