// The DRF allocator's events and bookkeeping; the cycle itself is in
// allocation_cycle.cpp and the reports in drf_reports.cpp.
#include <algorithm>

#include "plugins/allocators/drf/drf_allocator.hpp"

namespace clusterctl::drf {

DrfAllocator::DrfAllocator(DrfOptions options) : options_(std::move(options)) {
  unreserved_ = sorter_.add_role("*");
  for (const Resources& alternative : options_.min_allocatable) {
    Quantities quantities;
    for (const Resource& resource : alternative.items()) {
      if (resource.type == Resource::Type::kScalar) {
        quantities.add(names_.intern(resource.name), resource.scalar_millis);
      }
    }
    if (!quantities.empty()) min_allocatable_.push_back(quantities);
  }
}

Bundle DrfAllocator::to_bundle(const Resources& resources) {
  Bundle bundle;
  for (const Resource& resource : resources.items()) {
    if (resource.type == Resource::Type::kScalar) {
      bundle.scalars.push_back(
          {names_.intern(resource.name), role_id(resource.role), resource.scalar_millis});
    } else {
      (void)bundle.others.add(resource);  // already valid
    }
  }
  bundle.normalize();
  return bundle;
}

// ---- Agents ----

uint32_t DrfAllocator::add_agent_slot(const std::string& agent_id) {
  uint32_t index;
  if (free_agent_slots_.empty()) {
    index = static_cast<uint32_t>(agents_.size());
    agents_.emplace_back();
  } else {
    index = free_agent_slots_.back();
    free_agent_slots_.pop_back();
  }
  agents_[index] = Agent();
  agents_[index].id = agent_id;
  agents_[index].live = true;
  agent_ids_[agent_id] = index;
  return index;
}

void DrfAllocator::add_agent(const std::string& agent_id, const Resources& total,
                             const std::vector<HeldResources>& held) {
  if (agent_ids_.count(agent_id) > 0) remove_agent(agent_id);
  uint32_t index = add_agent_slot(agent_id);
  fill_agent(index, to_bundle(total), held);
}

void DrfAllocator::update_agent(const std::string& agent_id, const Resources& total,
                                const std::vector<HeldResources>& held) {
  auto found = agent_ids_.find(agent_id);
  if (found == agent_ids_.end()) return;
  Agent& agent = agents_[found->second];
  std::vector<Holding> before = std::move(agent.holdings);
  agent.holdings.clear();
  for (const Holding& entry : before) sorter_.unallocate(entry.client, entry.quantities);
  set_total_from(agent.total, Bundle());
  free_unreserved_ -= agent.available.quantities_of(unreserved_);
  fill_agent(found->second, to_bundle(total), held);
  for (const Holding& entry : before) forget_if_unused(entry.client);
}

void DrfAllocator::fill_agent(uint32_t index, const Bundle& total,
                              const std::vector<HeldResources>& held) {
  Agent& agent = agents_[index];
  agent.total = total;
  agent.available = total;
  for (const HeldResources& entry : held) {
    ClientId client = client_for(framework_index(entry.framework_id), role_id(entry.role));
    Bundle taken = to_bundle(entry.resources);
    taken.limit_to(agent.available);
    agent.available -= taken;
    Quantities quantities = taken.quantities();
    holding(agent, client).quantities += quantities;
    sorter_.allocate(client, quantities);
  }
  set_total_from(Bundle(), agent.total);
  free_unreserved_ += agent.available.quantities_of(unreserved_);
  mark_candidate(index);
}

void DrfAllocator::remove_agent(const std::string& agent_id) {
  auto found = agent_ids_.find(agent_id);
  if (found == agent_ids_.end()) return;
  uint32_t index = found->second;
  agent_ids_.erase(found);
  Agent& agent = agents_[index];
  std::vector<Holding> holdings = std::move(agent.holdings);
  for (const Holding& entry : holdings) {
    sorter_.unallocate(entry.client, entry.quantities);
    forget_if_unused(entry.client);
  }
  set_total_from(agent.total, Bundle());
  free_unreserved_ -= agent.available.quantities_of(unreserved_);
  bool candidate = agent.candidate;
  agent = Agent();
  // A candidate's slot is freed by the next cycle, which drops it from the list.
  agent.candidate = candidate;
  if (!candidate) free_agent_slots_.push_back(index);
}

void DrfAllocator::set_total_from(const Bundle& removed, const Bundle& added) {
  total_ -= removed.quantities();
  total_ += added.quantities();
  sorter_.set_total(total_);
}

void DrfAllocator::mark_candidate(uint32_t index) {
  Agent& agent = agents_[index];
  agent.parked_generation = 0;
  if (agent.candidate || !worth(agent.available)) return;
  agent.candidate = true;
  candidates_.push_back(index);
}

DrfAllocator::Holding& DrfAllocator::holding(Agent& agent, ClientId client) {
  for (Holding& entry : agent.holdings) {
    if (entry.client == client) return entry;
  }
  agent.holdings.push_back({client, {}});
  return agent.holdings.back();
}

void DrfAllocator::release(Agent& agent, ClientId client, const Quantities& quantities) {
  auto entry = std::find_if(agent.holdings.begin(), agent.holdings.end(),
                            [client](const Holding& h) { return h.client == client; });
  if (entry == agent.holdings.end()) return;
  Quantities taken;
  for (NameId name = 0; name < quantities.size(); ++name) {
    taken.set(name, std::min(quantities.get(name), entry->quantities.get(name)));
  }
  entry->quantities -= taken;
  if (entry->quantities.empty()) agent.holdings.erase(entry);
  sorter_.unallocate(client, taken);
}

// ---- Frameworks and clients ----

uint32_t DrfAllocator::framework_index(const std::string& framework_id) {
  auto found = framework_ids_.find(framework_id);
  if (found != framework_ids_.end()) return found->second;
  uint32_t index;
  if (free_framework_slots_.empty()) {
    index = static_cast<uint32_t>(frameworks_.size());
    frameworks_.emplace_back();
  } else {
    index = free_framework_slots_.back();
    free_framework_slots_.pop_back();
  }
  frameworks_[index] = Framework();
  frameworks_[index].id = framework_id;
  framework_ids_[framework_id] = index;
  return index;
}

std::optional<ClientId> DrfAllocator::find_client(uint32_t framework, RoleId role) const {
  for (ClientId client : frameworks_[framework].clients) {
    if (sorter_.client_role(client) == role) return client;
  }
  return std::nullopt;
}

ClientId DrfAllocator::client_for(uint32_t framework, RoleId role) {
  if (auto existing = find_client(framework, role)) return *existing;
  ClientId client = sorter_.add_client(role);
  if (clients_.size() <= client) clients_.resize(client + 1);
  clients_[client] = ClientState();
  clients_[client].framework = framework;
  clients_[client].filter_generation = ++filter_generations_;
  frameworks_[framework].clients.push_back(client);
  return client;
}

void DrfAllocator::update_activation(ClientId client) {
  const ClientState& state = clients_[client];
  bool wanted = frameworks_[state.framework].subscribed && state.subscribed && !state.suppressed;
  if (wanted && !sorter_.active(client)) {
    sorter_.activate(client);
    ++generation_;
  } else if (!wanted) {
    sorter_.deactivate(client);
  }
}

// A client that is no longer subscribed goes once it holds nothing, and its
// framework with its last client.
void DrfAllocator::forget_if_unused(ClientId client) {
  ClientState& state = clients_[client];
  if (state.subscribed || !sorter_.allocated(client).empty()) return;
  uint32_t index = state.framework;
  Framework& framework = frameworks_[index];
  std::erase(framework.clients, client);
  sorter_.remove_client(client);
  state = ClientState();
  state.filter_generation = ++filter_generations_;  // voids its filters
  if (!framework.subscribed && framework.clients.empty()) {
    framework_ids_.erase(framework.id);
    framework = Framework();
    free_framework_slots_.push_back(index);
  }
}

void DrfAllocator::add_framework(const std::string& framework_id,
                                 const std::vector<std::string>& roles,
                                 const std::vector<std::string>& suppressed) {
  uint32_t index = framework_index(framework_id);
  frameworks_[index].subscribed = true;
  std::vector<RoleId> role_ids;
  for (const std::string& role : roles) role_ids.push_back(role_id(role));
  for (ClientId client : std::vector<ClientId>(frameworks_[index].clients)) {
    RoleId role = sorter_.client_role(client);
    if (std::find(role_ids.begin(), role_ids.end(), role) == role_ids.end()) {
      clients_[client].subscribed = false;
      update_activation(client);
      forget_if_unused(client);
    }
  }
  for (size_t i = 0; i < roles.size(); ++i) {
    ClientId client = client_for(index, role_ids[i]);
    clients_[client].subscribed = true;
    clients_[client].suppressed =
        std::find(suppressed.begin(), suppressed.end(), roles[i]) != suppressed.end();
    update_activation(client);
  }
  ++generation_;
}

void DrfAllocator::remove_framework(const std::string& framework_id) {
  auto found = framework_ids_.find(framework_id);
  if (found == framework_ids_.end()) return;
  uint32_t index = found->second;
  frameworks_[index].subscribed = false;
  for (ClientId client : std::vector<ClientId>(frameworks_[index].clients)) {
    clients_[client].subscribed = false;
    update_activation(client);
    forget_if_unused(client);
  }
  if (frameworks_[index].clients.empty() && framework_ids_.count(framework_id) > 0) {
    framework_ids_.erase(framework_id);
    frameworks_[index] = Framework();
    free_framework_slots_.push_back(index);
  }
}

std::vector<ClientId> DrfAllocator::clients_in(const std::string& framework_id,
                                               const std::vector<std::string>& roles) {
  std::vector<ClientId> result;
  auto found = framework_ids_.find(framework_id);
  if (found == framework_ids_.end()) return result;
  for (ClientId client : frameworks_[found->second].clients) {
    const std::string& role = sorter_.role_name(sorter_.client_role(client));
    if (roles.empty() || std::find(roles.begin(), roles.end(), role) != roles.end()) {
      result.push_back(client);
    }
  }
  return result;
}

void DrfAllocator::suppress(const std::string& framework_id,
                            const std::vector<std::string>& roles) {
  for (ClientId client : clients_in(framework_id, roles)) {
    clients_[client].suppressed = true;
    update_activation(client);
  }
}

void DrfAllocator::revive(const std::string& framework_id, const std::vector<std::string>& roles) {
  for (ClientId client : clients_in(framework_id, roles)) {
    clients_[client].suppressed = false;
    clients_[client].filter_generation = ++filter_generations_;
    update_activation(client);
  }
  ++generation_;
}

// ---- Recovery and filters ----

Status DrfAllocator::recover(const std::string& framework_id, const std::string& agent_id,
                             const std::string& role, const Resources& resources,
                             int64_t refuse_millis, int64_t now_millis) {
  const std::string& role_name = role.empty() ? "*" : role;
  auto refuse = [&](const std::string& why) {
    return Status::not_found("cannot take back " + resources.to_string() + " from framework " +
                             framework_id + " in role " + role_name + " on agent " + agent_id +
                             ": " + why);
  };
  auto agent_found = agent_ids_.find(agent_id);
  if (agent_found == agent_ids_.end()) return refuse("the allocator does not know that agent");
  auto framework = framework_ids_.find(framework_id);
  if (framework == framework_ids_.end()) {
    return refuse("the allocator does not know that framework");
  }
  std::optional<RoleId> role_found = sorter_.find_role(role_name);
  std::optional<ClientId> client;
  if (role_found) client = find_client(framework->second, *role_found);
  if (!client) return refuse("the framework holds nothing in that role");
  uint32_t index = agent_found->second;
  Agent& agent = agents_[index];
  Bundle back = to_bundle(resources);
  bool holds = std::any_of(agent.holdings.begin(), agent.holdings.end(),
                           [&](const Holding& h) { return h.client == *client; });
  if (!holds && !back.quantities().empty()) {
    return refuse("the framework holds nothing in that role there");
  }
  Bundle held = agent.total;
  held -= agent.available;
  back.limit_to(held);  // never more than is out
  agent.available += back;
  free_unreserved_ += back.quantities_of(unreserved_);
  release(agent, *client, back.quantities());
  if (refuse_millis > 0 && clients_[*client].subscribed) {
    add_filter(agent, *client, back, now_millis + refuse_millis, now_millis);
  }
  forget_if_unused(*client);
  mark_candidate(index);
  return Status::ok();
}

void DrfAllocator::add_filter(Agent& agent, ClientId client, const Bundle& declined, int64_t until,
                              int64_t now_millis) {
  std::erase_if(agent.filters, [&](const Filter& filter) {
    return filter.client == client || filter.until <= now_millis ||
           filter.generation != clients_[filter.client].filter_generation;
  });
  agent.filters.push_back({client, clients_[client].filter_generation, until, declined});
}

// ---- Quotas and weights ----

void DrfAllocator::set_quota(const std::string& role, const Resources& guarantee,
                             const Resources& limit) {
  Quota quota;
  auto scalars = [this](const Resources& resources) {
    std::vector<std::pair<NameId, int64_t>> result;
    for (const Resource& resource : resources.items()) {
      if (resource.type != Resource::Type::kScalar) continue;
      NameId name = names_.intern(resource.name);
      auto same = std::find_if(result.begin(), result.end(),
                               [name](const auto& entry) { return entry.first == name; });
      if (same == result.end()) {
        result.emplace_back(name, resource.scalar_millis);
      } else {
        same->second += resource.scalar_millis;
      }
    }
    return result;
  };
  quota.guarantee = scalars(guarantee);
  quota.limit = scalars(limit);
  quotas_[role_id(role)] = std::move(quota);
  refresh_quota_roles();
}

void DrfAllocator::remove_quota(const std::string& role) {
  auto id = sorter_.find_role(role);
  if (!id) return;
  quotas_.erase(*id);
  refresh_quota_roles();
}

void DrfAllocator::refresh_quota_roles() {
  guarantee_roles_.clear();
  guarantee_roots_.clear();
  for (const auto& [role, quota] : quotas_) {
    if (!quota.guarantee.empty()) guarantee_roles_.push_back(role);
  }
  auto depth = [this](RoleId role) {
    int levels = 0;
    for (RoleId r = role; r != DrfSorter::kTop; r = sorter_.parent(r)) ++levels;
    return levels;
  };
  std::stable_sort(guarantee_roles_.begin(), guarantee_roles_.end(),
                   [&](RoleId a, RoleId b) { return depth(a) > depth(b); });
  for (RoleId role : guarantee_roles_) {
    bool nested = std::any_of(guarantee_roles_.begin(), guarantee_roles_.end(), [&](RoleId other) {
      return other != role && sorter_.includes(other, role);
    });
    if (!nested) guarantee_roots_.push_back(role);
  }
  ++generation_;
}

void DrfAllocator::set_weight(const std::string& role, double weight) {
  if (weight <= 0) return;
  sorter_.set_weight(role_id(role), weight);
}

}  // namespace clusterctl::drf
