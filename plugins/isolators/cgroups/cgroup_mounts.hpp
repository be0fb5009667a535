// Where the cgroup controllers are mounted, from /proc/self/mountinfo: a v1
// hierarchy per controller (or co-mounted ones, "cpu,cpuacct"), or the one
// cgroup v2 hierarchy. A controller found in a v1 hierarchy is used there
// (hybrid hosts); otherwise the v2 hierarchy is used if it offers it.
// Pure functions apart from find_controller's file reads; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace clusterctl {

enum class CgroupVersion { kV1 = 1, kV2 = 2 };

struct CgroupMount {
  std::string path;  // "/sys/fs/cgroup/memory"
  CgroupVersion version = CgroupVersion::kV1;
  std::vector<std::string> controllers;  // v1: from the mount options; v2: empty
};

// Every cgroup and cgroup2 mount of a mountinfo text.
std::vector<CgroupMount> parse_cgroup_mounts(const std::string& mountinfo);

// The mount that serves `controller`. `v2_controllers` reads the list of
// controllers a v2 mount offers (its cgroup.controllers); errors say which
// controller is missing.
StatusOr<CgroupMount> find_controller_mount(
    const std::vector<CgroupMount>& mounts, const std::string& controller,
    const std::function<std::string(const std::string& mount_path)>& v2_controllers);

// The same for this machine (/proc/self/mountinfo, <mount>/cgroup.controllers).
StatusOr<CgroupMount> find_controller_mount(const std::string& controller);

}  // namespace clusterctl
