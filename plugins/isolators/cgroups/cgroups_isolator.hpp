// What the cgroups isolators (cgroups/cpu, cgroups/mem, cgroups/pids) share:
// one cgroup per container in each hierarchy the isolator uses, at
// <mount>/<cgroups_root>/<container id> (on cgroup v2 the isolators share
// that one cgroup). isolate moves the executor in, so that everything its
// task forks is inside; cleanup kills every process left and removes the
// cgroups; recover removes the cgroups of containers that are gone.
//
// Threading: called from one thread at a time (the plugin rule).
#pragma once

#include <string>
#include <vector>

#include "plugins/isolators/cgroups/cgroup.hpp"
#include "plugins/isolators/isolator_plugin.hpp"

namespace clusterctl {

class CgroupsIsolator : public IsolatorPlugin {
 public:
  // Creates the container's cgroups, then configure()s them.
  StatusOr<LaunchRequirements> prepare(const ContainerInfo& container) override;
  Status update(const ContainerInfo& container) override { return configure(container); }
  Status isolate(const ContainerInfo& container, pid_t pid) override;
  Status cleanup(const ContainerInfo& container) override;
  Status recover(const std::vector<ContainerInfo>& containers) override;

 protected:
  // One hierarchy per controller; the first one is the isolator's own.
  // Controllers that share a mount (co-mounted v1, or v2) are used once.
  CgroupsIsolator(IsolatorConfig config, std::vector<std::string> controllers,
                  std::vector<CgroupMount> mounts);

  // Finds the mount of every controller; errors name the missing one.
  static StatusOr<std::vector<CgroupMount>> find_mounts(
      const std::vector<std::string>& controllers);

  // Writes the container's limits into its cgroups (again on update).
  virtual Status configure(const ContainerInfo& container) const = 0;
  // The container's cgroup in the hierarchy of controllers[index].
  Cgroup cgroup(const ContainerInfo& container, size_t index = 0) const;
  CgroupVersion version() const { return mounts_.front().version; }
  const IsolatorConfig& config() const { return config_; }

 private:
  IsolatorConfig config_;
  std::vector<std::string> controllers_;
  std::vector<CgroupMount> mounts_;  // parallel to controllers_
};

}  // namespace clusterctl
