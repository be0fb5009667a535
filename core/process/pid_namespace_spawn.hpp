// spawn_process's path for SpawnOptions::new_pid_namespace: clone3 with new
// pid and mount namespaces, /proc remounted, then exec. Internal to
// core/process; thread-safe (only system calls between clone and exec).
#pragma once

#include <sys/types.h>

#include "core/process/process.hpp"

namespace clusterctl {

// `in`, `out` and `err` become the child's 0, 1 and 2; every other
// descriptor is closed at exec.
StatusOr<pid_t> spawn_in_pid_namespace(const SpawnOptions& options, int in, int out, int err);

}  // namespace clusterctl
