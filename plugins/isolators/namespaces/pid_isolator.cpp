// isolator_namespaces_pid.so: the executor runs as pid 1 of a new pid
// namespace with a /proc of its own, so the task sees and can signal only
// the processes of its container; when the executor exits, the kernel kills
// whatever is left in the namespace. The agent, outside, still watches,
// signals and reaps the executor by its pid in the agent's namespace.
#include "plugins/isolators/isolator_plugin.hpp"

namespace clusterctl {
namespace {

class PidNamespaceIsolator : public IsolatorPlugin {
 public:
  static StatusOr<IsolatorPlugin*> create(const IsolatorConfig&) {
    return new PidNamespaceIsolator();
  }

  StatusOr<LaunchRequirements> prepare(const ContainerInfo&) override {
    LaunchRequirements launch;
    launch.namespaces = {"pid"};
    return launch;
  }
};

}  // namespace
}  // namespace clusterctl

CLUSTERCTL_ISOLATOR_PLUGIN(clusterctl::PidNamespaceIsolator, "namespaces/pid",
                           "a pid namespace (and /proc) per container")
