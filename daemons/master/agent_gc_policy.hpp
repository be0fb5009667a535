// Which unreachable agents the master forgets (its registry GC, see
// master_agent_gc.cpp): those unreachable for longer than the maximum age and,
// oldest first, those beyond the maximum count. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/duration.hpp"

namespace clusterctl {

struct UnreachableAgent {
  std::string id;
  double since = 0;  // wall-clock seconds
};

// The ids to forget at wall-clock time `now`, longest unreachable first.
std::vector<std::string> agents_to_forget(std::vector<UnreachableAgent> unreachable, double now,
                                          Duration max_age, size_t max_count);

}  // namespace clusterctl
