// msgpack shapes that cross the isolator plugin boundary (see
// include/clusterctl/isolator.h), shared by the agent and in-tree plugins.
// Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "core/resources.hpp"
#include "core/resources_msgpack.hpp"

namespace clusterctl {

// create()'s config.
struct IsolatorConfig {
  std::string name;  // the --isolation entry, "cgroups/mem"
  std::string work_dir;
  std::string cgroups_root = "clusterctl";
  bool enable_cfs = false;
  int64_t pids_limit = 0;
  MSGPACK_DEFINE_MAP(name, work_dir, cgroups_root, enable_cfs, pids_limit);
};

// clusterctl_container.info.
struct ContainerInfo {
  std::string container_id;
  std::string framework_id;
  std::string executor_id;
  std::string task_id;
  std::string task_name;
  std::string sandbox;
  Resources resources;
  std::map<std::string, std::string> rlimits;
  int32_t pid = 0;
  MSGPACK_DEFINE_MAP(container_id, framework_id, executor_id, task_id, task_name, sandbox,
                     resources, rlimits, pid);
};

// What prepare asks of the executor's launch.
struct LaunchRequirements {
  std::vector<std::string> namespaces;  // "pid"
  std::map<std::string, std::string> environment;
  MSGPACK_DEFINE_MAP(namespaces, environment);

  // Adds another isolator's requirements to these.
  void merge(const LaunchRequirements& other);
};

inline void LaunchRequirements::merge(const LaunchRequirements& other) {
  for (const std::string& name : other.namespaces) {
    bool known = false;
    for (const std::string& mine : namespaces) known = known || mine == name;
    if (!known) namespaces.push_back(name);
  }
  for (const auto& [key, value] : other.environment) environment[key] = value;
}

// What limitation reports when a container went over a limit.
struct ContainerLimitation {
  std::string reason;  // "memory limit exceeded"
  std::string message;
  MSGPACK_DEFINE_MAP(reason, message);
};

// usage's map: key -> number (see isolator.h for the keys).
using UsageValues = std::map<std::string, double>;

// The reason a memory limit kill carries (DESIGN.md "Task states").
inline constexpr const char* kMemoryLimitReason = "memory limit exceeded";

// What cgroups/mem adds to a task's memory limit for its executor, which
// lives in the task's cgroup so that everything the task forks is inside
// it: a task then has the whole of its mem for itself. Measured: the
// executor holds about 2 MB of anonymous memory and 0.25 MB of kernel memory
// there (its binary and libraries are page cache, shared and reclaimable).
// posix/mem needs none: it does not count the executor.
inline constexpr int64_t kExecutorMemoryReserveMb = 8;

}  // namespace clusterctl
