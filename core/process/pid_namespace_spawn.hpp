// spawn_process's path for SpawnOptions::new_pid_namespace and ::credentials:
// clone3 (with new pid and mount namespaces and /proc remounted when asked),
// the user switched when asked, then exec. Internal to core/process;
// thread-safe (only raw system calls between clone and exec).
#pragma once

#include <sys/types.h>

#include "core/process/process.hpp"

namespace clusterctl {

// `in`, `out` and `err` become the child's 0, 1 and 2; every other
// descriptor is closed at exec.
StatusOr<pid_t> spawn_cloned(const SpawnOptions& options, int in, int out, int err);

}  // namespace clusterctl
