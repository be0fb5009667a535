// The DRF allocator: decides which free resources the master offers to which
// framework. Frameworks are served in weighted dominant-resource-fair order
// over hierarchical roles (DrfSorter); quota guarantees are offered first and
// held back from other roles, quota limits are never exceeded (offers count as
// held until recovered); reserved resources go only to their role's subtree;
// declined resources stay filtered for a while; suppressed roles get nothing;
// an offer smaller than the minimum worth offering is not made.
//
// Cost: every total is kept up to date by the events, never recomputed by
// scanning. A cycle visits only the agents that have something worth offering
// and are not known to be unwanted ("parked": nobody could take what they
// have, until a filter expires or something changes), and for each it walks
// the sorter in fair order only as far as the first client that takes it.
//
// Cycle, in two stages (the second alone when there is no guarantee):
//   1. each role with an unmet guarantee, deepest first, takes from each agent
//      up to what it still lacks;
//   2. every role, in fair order, takes what is left, except the unreserved
//      resources still needed for other roles' unmet guarantees.
// A client that takes an agent gets everything on it that its role may use.
//
// The plugin (drf_plugin.cpp) feeds it the master's events; the benchmark and
// unit tests drive it directly. Not thread-safe: one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/resources.hpp"
#include "plugins/allocators/drf/bundle.hpp"
#include "plugins/allocators/drf/drf_sorter.hpp"
#include "plugins/allocators/drf/quantities.hpp"

namespace clusterctl::drf {

struct DrfOptions {
  // An offer is made only when it holds all of at least one of these
  // quantities (roles ignored), e.g. {cpus:0.01} or {mem:32}. Empty: any
  // offer with some scalar resource.
  std::vector<Resources> min_allocatable;
};

// What a framework already holds on an agent (its tasks) when the agent is added.
struct HeldResources {
  std::string framework_id;
  std::string role = "*";
  Resources resources;
};

// One decision of a cycle: offer `resources` of an agent to a framework in a role.
struct Grant {
  uint32_t framework = 0;  // see DrfAllocator::framework_id()
  uint32_t agent = 0;      // see DrfAllocator::agent_id()
  RoleId role = 0;
  Bundle resources;
};

struct RoleReport {
  std::string role;
  double weight = 1;
  double share = 0;     // weighted dominant share of its subtree
  Resources allocated;  // held by its subtree: outstanding offers and tasks
  bool has_quota = false;
  Resources guarantee;
  Resources limit;
  std::vector<std::string> frameworks;  // subscribed in this very role
};

struct CycleReport {
  uint64_t cycles = 0;
  size_t agents_visited = 0;  // in the last cycle
  size_t grants = 0;          // in the last cycle
  size_t candidates = 0;      // agents with something worth offering, after it
  size_t parked = 0;          // of those, known to be unwanted for now
};

class DrfAllocator {
 public:
  explicit DrfAllocator(DrfOptions options = {});

  // ---- Events (ids and roles as the master checked them) ----
  // Adding a known agent replaces it.
  void add_agent(const std::string& agent_id, const Resources& total,
                 const std::vector<HeldResources>& held);
  // The agent's total changed (a reservation was made or undone): its new
  // total and everything held there now. Its decline filters stay.
  void update_agent(const std::string& agent_id, const Resources& total,
                    const std::vector<HeldResources>& held);
  void remove_agent(const std::string& agent_id);
  // Adds a framework, or sets the roles of a known one. Roles listed in
  // `suppressed` start suppressed.
  void add_framework(const std::string& framework_id, const std::vector<std::string>& roles,
                     const std::vector<std::string>& suppressed = {});
  // What it holds stays held until recovered.
  void remove_framework(const std::string& framework_id);
  // Gives back resources held by the framework in `role` on the agent. With
  // refuse_millis > 0 the framework is not offered them (or less) there again
  // for so long, unless it revives. An agent or framework the allocator does
  // not know, or a framework that holds nothing in that role there, is an
  // error (not_found) that changes nothing: a bookkeeping mismatch with the
  // master must show, not leak resources.
  Status recover(const std::string& framework_id, const std::string& agent_id,
                 const std::string& role, const Resources& resources, int64_t refuse_millis,
                 int64_t now_millis);
  // No offers in these roles (empty: all of the framework's roles) until revived.
  void suppress(const std::string& framework_id, const std::vector<std::string>& roles);
  // Ends suppression and drops decline filters in these roles (empty: all).
  void revive(const std::string& framework_id, const std::vector<std::string>& roles);
  // Guarantee and limit are scalar quantities (roles ignored); an empty limit
  // means none.
  void set_quota(const std::string& role, const Resources& guarantee, const Resources& limit);
  void remove_quota(const std::string& role);
  void set_weight(const std::string& role, double weight);

  // ---- Allocation ----
  // Runs one cycle. Granted resources count as held by their framework until
  // recovered. The grants (and the names below) stay valid until the next call.
  const std::vector<Grant>& allocate(int64_t now_millis);
  const std::string& framework_id(const Grant& grant) const;
  const std::string& agent_id(const Grant& grant) const;
  const std::string& role_name(const Grant& grant) const;
  Resources resources(const Bundle& bundle) const;
  // The flat-map key of a scalar entry: "cpus" or "mem(ops)".
  const std::string& key_of(const ScalarEntry& entry) const;

  // ---- Reports ----
  std::vector<RoleReport> roles() const;
  const CycleReport& cycle_report() const { return report_; }
  size_t agent_count() const { return agent_ids_.size(); }
  size_t framework_count() const { return framework_ids_.size(); }

 private:
  enum class Stage { kGuarantees, kFairShares };

  struct Holding {
    ClientId client = 0;
    Quantities quantities;
  };
  struct Filter {
    ClientId client = 0;
    uint64_t generation = 0;  // the client's filter generation when made
    int64_t until = 0;
    Bundle declined;
  };
  struct Agent {
    std::string id;
    bool live = false;
    Bundle total;
    Bundle available;
    std::vector<Holding> holdings;  // per client
    std::vector<Filter> filters;
    bool candidate = false;  // in candidates_
    uint64_t parked_generation = 0;
    int64_t parked_until = 0;
  };
  struct ClientState {
    uint32_t framework = 0;
    uint64_t filter_generation = 0;  // filters of older generations are void
    bool subscribed = false;
    bool suppressed = false;
  };
  struct Framework {
    std::string id;
    bool subscribed = false;
    std::vector<ClientId> clients;
  };
  struct Quota {
    std::vector<std::pair<NameId, int64_t>> guarantee;
    std::vector<std::pair<NameId, int64_t>> limit;
  };

  // drf_allocator.cpp: events and bookkeeping
  Bundle to_bundle(const Resources& resources);
  RoleId role_id(const std::string& role) {
    return role == "*" ? unreserved_ : sorter_.add_role(role);
  }
  uint32_t add_agent_slot(const std::string& agent_id);
  // Sets the agent's total and holdings (it holds nothing before).
  void fill_agent(uint32_t agent, const Bundle& total, const std::vector<HeldResources>& held);
  uint32_t framework_index(const std::string& framework_id);
  std::optional<ClientId> find_client(uint32_t framework, RoleId role) const;
  ClientId client_for(uint32_t framework, RoleId role);
  void update_activation(ClientId client);
  void forget_if_unused(ClientId client);
  Holding& holding(Agent& agent, ClientId client);
  void release(Agent& agent, ClientId client, const Quantities& quantities);
  void mark_candidate(uint32_t agent);
  void set_total_from(const Bundle& removed, const Bundle& added);
  void refresh_quota_roles();
  void add_filter(Agent& agent, ClientId client, const Bundle& declined, int64_t until,
                  int64_t now_millis);
  std::vector<ClientId> clients_in(const std::string& framework_id,
                                   const std::vector<std::string>& roles);

  // allocation_cycle.cpp: the cycle
  std::vector<uint32_t> take_candidates();
  bool allocate_on(uint32_t agent, Stage stage, RoleId quota_role, int64_t now_millis);
  bool grant_from(uint32_t agent, RoleId start, Stage stage, RoleId quota_role, int64_t now_millis);
  void offer_for(const Agent& agent, RoleId role, Stage stage, RoleId quota_role, Bundle& offer);
  void grant(uint32_t agent, ClientId client, const Bundle& offer, Stage stage);
  bool worth(const Bundle& bundle) const;
  bool filtered(const Agent& agent, ClientId client, const Bundle& offer, int64_t now_millis) const;
  bool parking_enabled() const { return quotas_.empty(); }
  bool parked(const Agent& agent, int64_t now_millis) const;
  void park(Agent& agent);
  Quantities unsatisfied(RoleId quota_role) const;
  Quantities held_back_for(RoleId role) const;

  DrfOptions options_;
  std::vector<Quantities> min_allocatable_;
  ResourceNames names_;
  DrfSorter sorter_;
  RoleId unreserved_;  // the role "*"

  std::vector<Agent> agents_;
  std::vector<uint32_t> free_agent_slots_;
  std::unordered_map<std::string, uint32_t> agent_ids_;
  std::vector<Framework> frameworks_;
  std::vector<uint32_t> free_framework_slots_;
  std::unordered_map<std::string, uint32_t> framework_ids_;
  std::vector<ClientState> clients_;  // by ClientId
  uint64_t filter_generations_ = 0;

  std::map<RoleId, Quota> quotas_;
  std::vector<RoleId> guarantee_roles_;  // with a guarantee, deepest first
  std::vector<RoleId> guarantee_roots_;  // with a guarantee and no such ancestor

  Quantities total_;            // of all agents
  Quantities free_unreserved_;  // unreserved and not held, over all agents

  std::vector<uint32_t> candidates_;  // agents that may have something worth offering
  size_t rotation_ = 0;
  // Bumped whenever a parked agent might be wanted again (a framework or role
  // added, a revive, a quota change).
  uint64_t generation_ = 1;

  std::vector<Grant> grants_;
  std::unordered_map<uint64_t, size_t> grant_index_;  // (client, agent) -> grant, in stage 1
  Bundle offer_;                                      // scratch
  CycleReport report_;
  mutable std::map<std::pair<NameId, uint32_t>, std::string> keys_;
};

}  // namespace clusterctl::drf
