#include "daemons/master/agent_gc_policy.hpp"

#include <algorithm>
#include <chrono>

namespace clusterctl {

std::vector<std::string> agents_to_forget(std::vector<UnreachableAgent> unreachable, double now,
                                          Duration max_age, size_t max_count) {
  std::sort(unreachable.begin(), unreachable.end(),
            [](const UnreachableAgent& a, const UnreachableAgent& b) {
              return a.since != b.since ? a.since < b.since : a.id < b.id;
            });
  double max_age_seconds = std::chrono::duration<double>(max_age).count();
  size_t over_count = unreachable.size() > max_count ? unreachable.size() - max_count : 0;
  std::vector<std::string> forget;
  for (size_t i = 0; i < unreachable.size(); ++i) {
    if (i < over_count || now - unreachable[i].since > max_age_seconds) {
      forget.push_back(unreachable[i].id);
    }
  }
  return forget;
}

}  // namespace clusterctl
