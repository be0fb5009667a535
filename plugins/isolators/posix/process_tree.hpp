// A process and its descendants, read from /proc: who they are, the memory
// they hold and the CPU time they used. For the posix isolators, which have
// no cgroups to ask. Blocking /proc reads; thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace clusterctl {

// Every live descendant of `root` (children, their children, ...), not root.
std::vector<pid_t> process_descendants(pid_t root);

struct ProcessTreeUsage {
  double cpu_seconds = 0;  // user + system, with reaped children's time
  int64_t rss_bytes = 0;   // resident memory of the descendants (not root)
  int64_t processes = 0;   // root and descendants alive
};

ProcessTreeUsage process_tree_usage(pid_t root);

}  // namespace clusterctl
