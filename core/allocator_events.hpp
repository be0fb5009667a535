// msgpack shapes of the allocator plugin's configuration, events, allocations
// and the well-known part of its description (see include/clusterctl/allocator.h),
// shared by the master and the in-tree plugins. Fields may be added, never
// renamed; a reader ignores keys it does not know.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "core/resources.hpp"
#include "core/resources_msgpack.hpp"

namespace clusterctl {

// The map given to create().
struct AllocatorConfig {
  // An offer is made only when it holds all of at least one of these, in the
  // resources text form: {"cpus:0.01", "mem:32"}. Empty: the plugin decides.
  std::vector<std::string> min_allocatable;
  MSGPACK_DEFINE_MAP(min_allocatable);
};

struct FrameworkAllocation {
  std::string framework_id;
  Resources resources;
  std::string role = "*";  // the role the framework holds them in
  MSGPACK_DEFINE_MAP(framework_id, resources, role);
};

// One event; which fields matter depends on type.
struct AllocatorEvent {
  std::string type;
  int64_t now_millis = 0;
  std::string agent_id;
  std::string framework_id;
  Resources total;
  std::vector<FrameworkAllocation> allocated;
  std::vector<std::string> roles;
  Resources resources;
  int64_t refuse_millis = 0;
  std::string role;
  std::vector<std::string> suppressed_roles;
  Resources guarantee;
  Resources limit;
  double weight = 1;
  MSGPACK_DEFINE_MAP(type, now_millis, agent_id, framework_id, total, allocated, roles, resources,
                     refuse_millis, role, suppressed_roles, guarantee, limit, weight);
};

struct Allocation {
  std::string framework_id;
  std::string agent_id;
  std::string role;
  Resources resources;
  MSGPACK_DEFINE_MAP(framework_id, agent_id, role, resources);
};

// The well-known part of describe()'s map: per-role bookkeeping, when the
// plugin keeps it ("roles" absent: it does not).
struct AllocatorRoleState {
  std::string role;
  double weight = 1;
  double share = 0;     // weighted dominant share of the role's subtree
  Resources allocated;  // held by the subtree: outstanding offers and tasks
  MSGPACK_DEFINE_MAP(role, weight, share, allocated);
};

struct AllocatorDescription {
  std::vector<AllocatorRoleState> roles;
  MSGPACK_DEFINE_MAP(roles);
};

}  // namespace clusterctl
