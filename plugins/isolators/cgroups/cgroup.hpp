// One container's cgroup in one hierarchy: <mount>/<root>/<container id>.
//
//   Cgroup cgroup(mount, "clusterctl", container_id);
//   cgroup.create("memory");
//   cgroup.write("memory.limit_in_bytes", "67108864");
//   cgroup.add_process(pid);
//   ...
//   cgroup.destroy();  // kills what is left inside, then removes it
//
// Blocking file system calls: use it off the agent's event loop. A Cgroup is
// a value (the path); thread-safe as long as the callers agree on who
// destroys it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "plugins/isolators/cgroups/cgroup_mounts.hpp"

namespace clusterctl {

class Cgroup {
 public:
  Cgroup(CgroupMount mount, std::string root, std::string name);

  const std::string& path() const { return path_; }
  CgroupVersion version() const { return mount_.version; }
  bool exists() const;

  // Creates <root> and the cgroup (existing ones are fine). On v2, first
  // enables `controller` for the children of the mount's root and of <root>.
  Status create(const std::string& controller) const;

  StatusOr<std::string> read(const std::string& file) const;
  Status write(const std::string& file, const std::string& value) const;
  StatusOr<int64_t> read_number(const std::string& file) const;
  StatusOr<std::map<std::string, int64_t>> read_keyed(const std::string& file) const;
  bool has_file(const std::string& file) const;

  // Moves a process (and its threads) into the cgroup.
  Status add_process(pid_t pid) const;
  std::vector<pid_t> processes() const;

  // SIGKILLs every process inside until none is left (new ones forked while
  // killing included), then removes the cgroup. A missing cgroup is fine.
  Status destroy() const;

 private:
  CgroupMount mount_;
  std::string root_;
  std::string path_;
};

// The container cgroups that exist below <mount>/<root> (their names).
std::vector<std::string> list_cgroups(const CgroupMount& mount, const std::string& root);

}  // namespace clusterctl
