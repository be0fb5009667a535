// isolator_posix_cpu.so: for hosts without cgroups. Reports the CPU time of
// the executor and its descendants from /proc; it cannot limit CPU.
#include "plugins/isolators/isolator_plugin.hpp"
#include "plugins/isolators/posix/process_tree.hpp"

namespace clusterctl {
namespace {

class PosixCpuIsolator : public IsolatorPlugin {
 public:
  static StatusOr<IsolatorPlugin*> create(const IsolatorConfig&) { return new PosixCpuIsolator(); }

  StatusOr<UsageValues> usage(const ContainerInfo& container) override {
    ProcessTreeUsage tree = process_tree_usage(container.pid);
    return UsageValues{{"cpu_seconds", tree.cpu_seconds},
                       {"pids", static_cast<double>(tree.processes)}};
  }
};

}  // namespace
}  // namespace clusterctl

CLUSTERCTL_ISOLATOR_PLUGIN(clusterctl::PosixCpuIsolator, "posix/cpu",
                           "CPU time from /proc, for hosts without cgroups (no limit)")
