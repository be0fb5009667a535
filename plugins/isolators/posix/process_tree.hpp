// A process and its descendants, read from /proc: how many they are, the
// memory they hold and the CPU time they used. For the posix isolators, which
// have no cgroups to ask. Blocking /proc reads; thread-safe.
//
// The root (the executor) is not the task: its memory is not counted, nor
// that of a descendant that shares its parent's address space (a child
// between vfork and exec, as posix_spawn makes them: its resident set is its
// parent's), which kcmp(KCMP_VM) tells.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace clusterctl {

struct ProcessTreeUsage {
  double cpu_seconds = 0;  // user + system of root and descendants, with reaped children's time
  // Resident memory of the descendants (not root), each process's in full:
  // a page that N of them share counts N times.
  int64_t rss_bytes = 0;
  // Their proportional set size: a page shared by N processes counts 1/N in
  // each, so the sum never holds more than the pages the descendants map,
  // whatever they share with each other or with the root.
  int64_t pss_bytes = 0;
  int64_t processes = 0;  // root and descendants alive
};

ProcessTreeUsage process_tree_usage(pid_t root);

}  // namespace clusterctl
