// What the DRF allocator tells about itself: names behind a grant, resources
// back in their ordinary form, and the per-role report.
#include <algorithm>

#include "plugins/allocators/drf/drf_allocator.hpp"

namespace clusterctl::drf {

namespace {

Resource scalar_resource(const std::string& name, const std::string& role, int64_t millis) {
  Resource resource;
  resource.name = name;
  resource.role = role;
  resource.scalar_millis = millis;
  return resource;
}

}  // namespace

const std::string& DrfAllocator::framework_id(const Grant& grant) const {
  return frameworks_[grant.framework].id;
}

const std::string& DrfAllocator::agent_id(const Grant& grant) const {
  return agents_[grant.agent].id;
}

const std::string& DrfAllocator::role_name(const Grant& grant) const {
  return sorter_.role_name(grant.role);
}

Resources DrfAllocator::resources(const Bundle& bundle) const {
  Resources result = bundle.others;
  for (const ScalarEntry& entry : bundle.scalars) {
    (void)result.add(
        scalar_resource(names_.name(entry.name), sorter_.role_name(entry.role), entry.millis));
  }
  return result;
}

const std::string& DrfAllocator::key_of(const ScalarEntry& entry) const {
  auto key = std::make_pair(entry.name, entry.role);
  auto found = keys_.find(key);
  if (found != keys_.end()) return found->second;
  std::string text = names_.name(entry.name);
  if (entry.role != unreserved_) text += "(" + sorter_.role_name(entry.role) + ")";
  return keys_.emplace(key, std::move(text)).first->second;
}

std::vector<RoleReport> DrfAllocator::roles() const {
  auto quantities_text = [this](const Quantities& quantities) {
    Resources result;
    for (NameId name = 0; name < quantities.size(); ++name) {
      if (quantities.get(name) > 0) {
        (void)result.add(scalar_resource(names_.name(name), "*", quantities.get(name)));
      }
    }
    return result;
  };
  auto pairs_text = [&](const std::vector<std::pair<NameId, int64_t>>& pairs) {
    Quantities quantities;
    for (const auto& [name, millis] : pairs) quantities.add(name, millis);
    return quantities_text(quantities);
  };
  std::vector<RoleReport> reports;
  for (RoleId role = 1; role < sorter_.role_count(); ++role) {
    RoleReport report;
    report.role = sorter_.role_name(role);
    report.weight = sorter_.weight(role);
    report.share = sorter_.role_share(role);
    report.allocated = quantities_text(sorter_.role_allocated(role));
    auto quota = quotas_.find(role);
    if (quota != quotas_.end()) {
      report.has_quota = true;
      report.guarantee = pairs_text(quota->second.guarantee);
      report.limit = pairs_text(quota->second.limit);
    }
    reports.push_back(std::move(report));
  }
  for (const Framework& framework : frameworks_) {
    if (!framework.subscribed) continue;
    for (ClientId client : framework.clients) {
      if (clients_[client].subscribed) {
        reports[sorter_.client_role(client) - 1].frameworks.push_back(framework.id);
      }
    }
  }
  std::sort(reports.begin(), reports.end(),
            [](const RoleReport& a, const RoleReport& b) { return a.role < b.role; });
  return reports;
}

}  // namespace clusterctl::drf
