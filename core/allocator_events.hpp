// msgpack shapes of the allocator plugin's events and allocations (see
// include/clusterctl/allocator.h), shared by the master and in-tree plugins.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "core/resources.hpp"
#include "core/resources_msgpack.hpp"

namespace clusterctl {

struct FrameworkAllocation {
  std::string framework_id;
  Resources resources;
  MSGPACK_DEFINE_MAP(framework_id, resources);
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
  MSGPACK_DEFINE_MAP(type, now_millis, agent_id, framework_id, total, allocated, roles, resources,
                     refuse_millis);
};

struct Allocation {
  std::string framework_id;
  std::string agent_id;
  std::string role;
  Resources resources;
  MSGPACK_DEFINE_MAP(framework_id, agent_id, role, resources);
};

}  // namespace clusterctl
