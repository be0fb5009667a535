// One allocation cycle of the DRF allocator (see drf_allocator.hpp for the
// two stages), and what decides an offer: the role's share of the agent,
// capped by quota limits, guarantees and hold-back, then filters and worth.
#include <algorithm>
#include <limits>

#include "plugins/allocators/drf/drf_allocator.hpp"

namespace clusterctl::drf {

const std::vector<Grant>& DrfAllocator::allocate(int64_t now_millis) {
  grants_.clear();
  grant_index_.clear();
  ++report_.cycles;
  report_.agents_visited = 0;
  std::vector<uint32_t> agents = take_candidates();
  if (!guarantee_roles_.empty()) {
    for (uint32_t index : agents) {
      for (RoleId role : guarantee_roles_) {
        if (sorter_.active_clients(role) > 0 && !unsatisfied(role).empty()) {
          allocate_on(index, Stage::kGuarantees, role, now_millis);
        }
      }
    }
  }
  for (uint32_t index : agents) {
    Agent& agent = agents_[index];
    if (parked(agent, now_millis)) continue;
    ++report_.agents_visited;
    if (!allocate_on(index, Stage::kFairShares, DrfSorter::kTop, now_millis)) park(agent);
  }
  size_t parked_count = 0;
  for (uint32_t index : agents) {
    Agent& agent = agents_[index];
    if (worth(agent.available)) {
      candidates_.push_back(index);
      if (parked(agent, now_millis)) ++parked_count;
    } else {
      agent.candidate = false;
    }
  }
  report_.grants = grants_.size();
  report_.candidates = candidates_.size();
  report_.parked = parked_count;
  return grants_;
}

// The candidates, starting one further each cycle so that no agent is always
// first; removed agents' slots are freed here.
std::vector<uint32_t> DrfAllocator::take_candidates() {
  std::vector<uint32_t> agents;
  agents.reserve(candidates_.size());
  size_t count = candidates_.size();
  size_t start = count == 0 ? 0 : rotation_++ % count;
  for (size_t i = 0; i < count; ++i) {
    uint32_t index = candidates_[(start + i) % count];
    Agent& agent = agents_[index];
    if (!agent.live) {
      agent.candidate = false;
      free_agent_slots_.push_back(index);
    } else if (!worth(agent.available)) {
      agent.candidate = false;
    } else {
      agents.push_back(index);
    }
  }
  candidates_.clear();
  return agents;
}

// Grants from one agent until nothing more is worth offering or wanted.
// Returns whether anything was granted.
bool DrfAllocator::allocate_on(uint32_t index, Stage stage, RoleId quota_role, int64_t now_millis) {
  Agent& agent = agents_[index];
  bool any = false;
  while (worth(agent.available)) {
    bool granted = false;
    if (stage == Stage::kGuarantees) {
      granted = grant_from(index, quota_role, stage, quota_role, now_millis);
    } else if (agent.available.has_role(unreserved_)) {
      granted = grant_from(index, DrfSorter::kTop, stage, quota_role, now_millis);
    } else {
      // Only reserved resources are left: only their roles' subtrees may take them.
      std::vector<RoleId> reserved;
      for (const ScalarEntry& entry : agent.available.scalars) reserved.push_back(entry.role);
      std::sort(reserved.begin(), reserved.end());
      reserved.erase(std::unique(reserved.begin(), reserved.end()), reserved.end());
      for (RoleId role : reserved) {
        if (grant_from(index, role, stage, quota_role, now_millis)) {
          granted = true;
          break;
        }
      }
    }
    if (!granted) break;
    any = true;
    if (stage == Stage::kGuarantees && unsatisfied(quota_role).empty()) break;
  }
  return any;
}

bool DrfAllocator::grant_from(uint32_t index, RoleId start, Stage stage, RoleId quota_role,
                              int64_t now_millis) {
  const Agent& agent = agents_[index];
  std::optional<ClientId> chosen;
  sorter_.walk(
      start,
      [&](RoleId role) {
        offer_for(agent, role, stage, quota_role, offer_);
        return worth(offer_);
      },
      [&](ClientId client) {
        if (filtered(agent, client, offer_, now_millis)) return false;
        chosen = client;
        return true;
      });
  if (!chosen) return false;
  grant(index, *chosen, offer_, stage);
  return true;
}

// What of the agent's free resources may be offered to a client in `role`.
void DrfAllocator::offer_for(const Agent& agent, RoleId role, Stage stage, RoleId quota_role,
                             Bundle& offer) {
  offer.scalars.clear();
  for (const ScalarEntry& entry : agent.available.scalars) {
    if (entry.role == unreserved_ || sorter_.includes(entry.role, role)) {
      offer.scalars.push_back(entry);
    }
  }
  offer.others = agent.available.others.empty()
                     ? Resources()
                     : agent.available.others.allocatable_to(sorter_.role_name(role));
  if (quotas_.empty()) return;
  // Limits of the role and every ancestor, counting what their subtrees hold.
  for (RoleId r = role; r != DrfSorter::kTop; r = sorter_.parent(r)) {
    auto quota = quotas_.find(r);
    if (quota == quotas_.end()) continue;
    for (const auto& [name, limit] : quota->second.limit) {
      offer.cap(name, limit - sorter_.role_allocated(r).get(name), unreserved_);
    }
  }
  std::vector<NameId> guaranteed;
  if (stage == Stage::kGuarantees) {
    Quantities need = unsatisfied(quota_role);
    for (const auto& [name, millis] : quotas_.at(quota_role).guarantee) {
      offer.cap(name, need.get(name), unreserved_);
      guaranteed.push_back(name);
    }
  }
  // Leave the unreserved resources that other roles' unmet guarantees need.
  Quantities held_back = held_back_for(role);
  for (NameId name = 0; name < held_back.size(); ++name) {
    int64_t needed = held_back.get(name);
    if (needed <= 0) continue;
    if (std::find(guaranteed.begin(), guaranteed.end(), name) != guaranteed.end()) continue;
    offer.cap_role(name, unreserved_, free_unreserved_.get(name) - needed);
  }
}

void DrfAllocator::grant(uint32_t index, ClientId client, const Bundle& offer, Stage stage) {
  Agent& agent = agents_[index];
  agent.available -= offer;
  Quantities quantities = offer.quantities();
  holding(agent, client).quantities += quantities;
  sorter_.allocate(client, quantities);
  free_unreserved_ -= offer.quantities_of(unreserved_);
  uint64_t key = (static_cast<uint64_t>(client) << 32) | index;
  if (!grant_index_.empty()) {
    auto earlier = grant_index_.find(key);
    if (earlier != grant_index_.end()) {
      grants_[earlier->second].resources += offer;
      return;
    }
  }
  if (stage == Stage::kGuarantees) grant_index_[key] = grants_.size();
  grants_.push_back({clients_[client].framework, index, sorter_.client_role(client), offer});
}

bool DrfAllocator::worth(const Bundle& bundle) const {
  if (min_allocatable_.empty()) return !bundle.scalars.empty();
  return std::any_of(min_allocatable_.begin(), min_allocatable_.end(),
                     [&](const Quantities& minimum) {
                       for (NameId name = 0; name < minimum.size(); ++name) {
                         int64_t needed = minimum.get(name);
                         if (needed > 0 && bundle.millis_of(name) < needed) return false;
                       }
                       return true;
                     });
}

// A client declined (or left unused) at least this much here not long ago.
bool DrfAllocator::filtered(const Agent& agent, ClientId client, const Bundle& offer,
                            int64_t now_millis) const {
  for (const Filter& filter : agent.filters) {
    if (filter.client == client && filter.until > now_millis &&
        filter.generation == clients_[client].filter_generation &&
        filter.declined.contains(offer)) {
      return true;
    }
  }
  return false;
}

// Nobody took what the agent has: skip it until a filter on it expires or
// something else changes (mark_candidate() or generation_).
void DrfAllocator::park(Agent& agent) {
  if (!parking_enabled()) return;
  agent.parked_generation = generation_;
  agent.parked_until = std::numeric_limits<int64_t>::max();
  for (const Filter& filter : agent.filters) {
    if (filter.generation == clients_[filter.client].filter_generation) {
      agent.parked_until = std::min(agent.parked_until, filter.until);
    }
  }
}

bool DrfAllocator::parked(const Agent& agent, int64_t now_millis) const {
  return parking_enabled() && agent.parked_generation == generation_ &&
         now_millis < agent.parked_until;
}

// What a role with a guarantee still lacks of it.
Quantities DrfAllocator::unsatisfied(RoleId quota_role) const {
  Quantities need;
  const Quantities& held = sorter_.role_allocated(quota_role);
  for (const auto& [name, guarantee] : quotas_.at(quota_role).guarantee) {
    if (guarantee > held.get(name)) need.set(name, guarantee - held.get(name));
  }
  return need;
}

// The unmet guarantees of the top-most guaranteed roles that `role` is not in.
Quantities DrfAllocator::held_back_for(RoleId role) const {
  Quantities held_back;
  for (RoleId root : guarantee_roots_) {
    if (!sorter_.includes(root, role)) held_back += unsatisfied(root);
  }
  return held_back;
}

}  // namespace clusterctl::drf
