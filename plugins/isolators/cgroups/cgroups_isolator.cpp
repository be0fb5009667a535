#include "plugins/isolators/cgroups/cgroups_isolator.hpp"

#include <set>

namespace clusterctl {

CgroupsIsolator::CgroupsIsolator(IsolatorConfig config, std::vector<std::string> controllers,
                                 std::vector<CgroupMount> mounts)
    : config_(std::move(config)),
      controllers_(std::move(controllers)),
      mounts_(std::move(mounts)) {}

StatusOr<std::vector<CgroupMount>> CgroupsIsolator::find_mounts(
    const std::vector<std::string>& controllers) {
  std::vector<CgroupMount> mounts;
  for (const std::string& controller : controllers) {
    auto mount = find_controller_mount(controller);
    if (!mount) return mount.status();
    mounts.push_back(*mount);
  }
  return mounts;
}

Cgroup CgroupsIsolator::cgroup(const ContainerInfo& container, size_t index) const {
  return Cgroup(mounts_.at(index), config_.cgroups_root, container.container_id);
}

StatusOr<LaunchRequirements> CgroupsIsolator::prepare(const ContainerInfo& container) {
  for (size_t i = 0; i < mounts_.size(); ++i) {
    CLUSTERCTL_RETURN_IF_ERROR(cgroup(container, i).create(controllers_[i]));
  }
  CLUSTERCTL_RETURN_IF_ERROR(configure(container));
  return LaunchRequirements{};
}

Status CgroupsIsolator::isolate(const ContainerInfo& container, pid_t pid) {
  std::set<std::string> done;
  for (size_t i = 0; i < mounts_.size(); ++i) {
    Cgroup target = cgroup(container, i);
    if (!done.insert(target.path()).second) continue;
    CLUSTERCTL_RETURN_IF_ERROR(target.add_process(pid));
  }
  return Status::ok();
}

Status CgroupsIsolator::cleanup(const ContainerInfo& container) {
  Status result;
  for (size_t i = 0; i < mounts_.size(); ++i) {
    Status destroyed = cgroup(container, i).destroy();
    if (!destroyed && result) result = destroyed;
  }
  return result;
}

Status CgroupsIsolator::recover(const std::vector<ContainerInfo>& containers) {
  std::set<std::string> known;
  for (const ContainerInfo& container : containers) known.insert(container.container_id);
  Status result;
  for (const CgroupMount& mount : mounts_) {
    for (const std::string& name : list_cgroups(mount, config_.cgroups_root)) {
      if (known.count(name) > 0) continue;
      Status destroyed = Cgroup(mount, config_.cgroups_root, name).destroy();
      if (!destroyed && result) result = destroyed;
    }
  }
  return result;
}

}  // namespace clusterctl
