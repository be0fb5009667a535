// isolator_posix_rlimits.so: applies the task's resource limits
// (`execute --rlimit nofile=1024`) to the executor right after it is
// spawned, so that the task, which the executor starts afterwards, inherits
// them. The executor runs under them too.
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include "core/rlimits.hpp"
#include "plugins/isolators/isolator_plugin.hpp"

namespace clusterctl {
namespace {

class RlimitsIsolator : public IsolatorPlugin {
 public:
  static StatusOr<IsolatorPlugin*> create(const IsolatorConfig&) { return new RlimitsIsolator(); }

  StatusOr<LaunchRequirements> prepare(const ContainerInfo& container) override {
    for (const auto& [name, value] : container.rlimits) {
      auto limit = parse_resource_limit(name, value);
      if (!limit) return Status::invalid("posix/rlimits: " + limit.status().message());
    }
    return LaunchRequirements{};
  }

  Status isolate(const ContainerInfo& container, pid_t pid) override {
    for (const auto& [name, value] : container.rlimits) {
      auto limit = parse_resource_limit(name, value);
      if (!limit) return Status::invalid("posix/rlimits: " + limit.status().message());
      struct rlimit wanted = {limit->soft, limit->hard};
      if (::prlimit(pid, static_cast<enum __rlimit_resource>(limit->resource), &wanted, nullptr) !=
          0) {
        return Status::io_error("posix/rlimits: cannot set " + name + "=" + value + ": " +
                                std::strerror(errno));
      }
    }
    return Status::ok();
  }
};

}  // namespace
}  // namespace clusterctl

CLUSTERCTL_ISOLATOR_PLUGIN(clusterctl::RlimitsIsolator, "posix/rlimits",
                           "the task's resource limits (setrlimit), inherited from the executor")
