// The payloads of the master's allocation methods: quota.*, weights.*,
// state.roles and operator.reserve/unreserve (docs/PROTOCOL.md), and the
// allocation metrics in /state. Every struct is a msgpack map with stable
// string keys (fields may be added, never renamed); the `--json` output of
// `clusterctl quota get`, `weights get` and `roles` is these maps.
// Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "core/resources.hpp"
#include "core/resources_msgpack.hpp"

namespace clusterctl {

// quota.set
struct QuotaSetCall {
  std::string role;
  Resources guarantee;  // held back for the role's subtree
  Resources limit;      // never exceeded by it; empty: no limit
  bool force = false;   // set it even if the cluster cannot meet the guarantees
  MSGPACK_DEFINE_MAP(role, guarantee, limit, force);
};

// quota.get (role empty: every quota) and quota.remove.
struct RoleCall {
  std::string role;
  MSGPACK_DEFINE_MAP(role);
};

struct QuotaView {
  std::string role;
  Resources guarantee;
  Resources limit;
  Resources consumed;  // held by the role's subtree now: outstanding offers and tasks
  MSGPACK_DEFINE_MAP(role, guarantee, limit, consumed);
};

struct QuotasReply {
  std::vector<QuotaView> quotas;
  MSGPACK_DEFINE_MAP(quotas);
};

// weights.set: {"weights": {"analytics": 3.0}}
struct WeightsSetCall {
  std::map<std::string, double> weights;
  MSGPACK_DEFINE_MAP(weights);
};

struct WeightView {
  std::string role;
  double weight = 1;
  MSGPACK_DEFINE_MAP(role, weight);
};

struct WeightsReply {
  std::vector<WeightView> weights;
  MSGPACK_DEFINE_MAP(weights);
};

// state.roles: one entry per role the master knows of, parents before children.
struct RoleView {
  std::string role;
  std::string parent;  // "" for a top-level role
  double weight = 1;
  double share = 0;                    // weighted dominant share of its subtree
  std::optional<Resources> guarantee;  // nil without a quota
  std::optional<Resources> limit;
  Resources allocated;                  // held by its subtree: outstanding offers and tasks
  Resources reserved;                   // reserved for exactly this role on the agents
  std::vector<std::string> frameworks;  // subscribed in exactly this role
  MSGPACK_DEFINE_MAP(role, parent, weight, share, guarantee, limit, allocated, reserved,
                     frameworks);
};

struct RolesReply {
  std::vector<RoleView> roles;
  MSGPACK_DEFINE_MAP(roles);
};

// operator.reserve / operator.unreserve: resources name their roles, "cpus(ops):1".
struct ReserveCall {
  std::string agent_id;
  Resources resources;
  MSGPACK_DEFINE_MAP(agent_id, resources);
};

// "allocation" in /state.
struct AllocationMetricsView {
  uint64_t allocation_runs = 0;
  double last_cycle_millis = 0;
  double p99_cycle_millis = 0;  // over the last 1024 runs
  uint64_t offers_made = 0;
  uint64_t offers_declined = 0;
  uint64_t offers_rescinded = 0;
  MSGPACK_DEFINE_MAP(allocation_runs, last_cycle_millis, p99_cycle_millis, offers_made,
                     offers_declined, offers_rescinded);
};

}  // namespace clusterctl
