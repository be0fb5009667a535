// isolator_cgroups_pids.so: at most N processes and threads in a container
// (pids.max), from the task's "pids" resource or the agent's pids_limit, and
// how many there are now. A fork bomb hits the limit: fork fails with EAGAIN,
// and the bomb stays within its task. The agent's default (--pids-limit,
// kDefaultPidsLimit) applies to every task that does not ask; the executor's
// threads (two) count too.
#include <cmath>

#include "plugins/isolators/cgroups/cgroups_isolator.hpp"

namespace clusterctl {
namespace {

class PidsIsolator : public CgroupsIsolator {
 public:
  static StatusOr<IsolatorPlugin*> create(const IsolatorConfig& config) {
    auto mounts = find_mounts({"pids"});
    if (!mounts) return mounts.status();
    return new PidsIsolator(config, {"pids"}, std::move(mounts).value());
  }

  StatusOr<UsageValues> usage(const ContainerInfo& container) override {
    UsageValues values;
    auto current = cgroup(container).read_number("pids.current");
    if (!current) return current.status();
    values["pids"] = static_cast<double>(*current);
    int64_t limit = limit_of(container);
    if (limit > 0) values["pids_limit"] = static_cast<double>(limit);
    return values;
  }

 private:
  using CgroupsIsolator::CgroupsIsolator;

  int64_t limit_of(const ContainerInfo& container) const {
    double asked = container.resources.scalar("pids");
    return asked > 0 ? static_cast<int64_t>(std::llround(asked)) : config().pids_limit;
  }

  Status configure(const ContainerInfo& container) const override {
    int64_t limit = limit_of(container);
    return cgroup(container).write("pids.max", limit > 0 ? std::to_string(limit) : "max");
  }
};

}  // namespace
}  // namespace clusterctl

CLUSTERCTL_ISOLATOR_PLUGIN(clusterctl::PidsIsolator, "cgroups/pids",
                           "a limit on the number of processes and threads, through cgroups")
