// isolator_posix_mem.so: for hosts without cgroups. Measures the memory of
// the task's processes (the executor's descendants, never the executor
// itself: see process_tree.hpp) from /proc each time the agent asks, and
// reports a "memory limit exceeded" limitation when it is over the task's
// mem; the agent then kills the task. The limit applies to their
// proportional set size (mem_usage_bytes), so that pages the task shares
// with the executor, the rest of the machine or between its own processes
// (after a fork) never count more than once: a task is never killed for
// memory it did not use. mem_rss_bytes is their plain resident sum.
// Processes that leave the executor's tree (daemons that detach) are not
// seen.
#include <cstdio>
#include <map>

#include "plugins/isolators/isolator_plugin.hpp"
#include "plugins/isolators/posix/process_tree.hpp"

namespace clusterctl {
namespace {

constexpr double kBytesPerMb = 1024 * 1024;

class PosixMemIsolator : public IsolatorPlugin {
 public:
  static StatusOr<IsolatorPlugin*> create(const IsolatorConfig&) { return new PosixMemIsolator(); }

  StatusOr<UsageValues> usage(const ContainerInfo& container) override {
    ProcessTreeUsage tree = measure(container);
    UsageValues values{{"mem_rss_bytes", static_cast<double>(tree.rss_bytes)},
                       {"mem_usage_bytes", static_cast<double>(tree.pss_bytes)},
                       {"mem_peak_bytes", static_cast<double>(peaks_[container.container_id])}};
    double limit = container.resources.scalar("mem") * kBytesPerMb;
    if (limit > 0) values["mem_limit_bytes"] = limit;
    return values;
  }

  StatusOr<std::optional<ContainerLimitation>> limitation(const ContainerInfo& container) override {
    double limit = container.resources.scalar("mem") * kBytesPerMb;
    int64_t used = measure(container).pss_bytes;
    if (limit <= 0 || static_cast<double>(used) <= limit)
      return std::optional<ContainerLimitation>();
    char message[160];
    std::snprintf(message, sizeof(message),
                  "the task used %.1f MB, over its memory limit of %.1f MB, and was killed",
                  static_cast<double>(used) / kBytesPerMb, limit / kBytesPerMb);
    return std::optional<ContainerLimitation>(ContainerLimitation{kMemoryLimitReason, message});
  }

  Status cleanup(const ContainerInfo& container) override {
    peaks_.erase(container.container_id);
    return Status::ok();
  }

 private:
  ProcessTreeUsage measure(const ContainerInfo& container) {
    ProcessTreeUsage tree = process_tree_usage(container.pid);
    int64_t& peak = peaks_[container.container_id];
    if (tree.pss_bytes > peak) peak = tree.pss_bytes;
    return tree;
  }

  std::map<std::string, int64_t> peaks_;  // by container id
};

}  // namespace
}  // namespace clusterctl

CLUSTERCTL_ISOLATOR_PLUGIN(clusterctl::PosixMemIsolator, "posix/mem",
                           "memory use from /proc with the limit enforced by the agent")
