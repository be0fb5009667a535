// The agent's options for containers: isolation, the fetcher, sandboxes and
// their garbage collection (the flags of `clusterctl agent` with the same
// names). Plain values.
#pragma once

#include <cstdint>
#include <string>

#include "core/duration.hpp"

namespace clusterctl {

// --pids-limit's default: processes and threads per task under cgroups/pids
// when the task does not ask for "pids". Room for big builds and thread
// pools, and an eighth of the smallest kernel.pid_max (32768), so that a fork
// bomb is held in its task while the machine keeps pids for everything else.
inline constexpr int64_t kDefaultPidsLimit = 4096;

struct ContainerOptions {
  // --isolation: comma list of isolators ("cgroups/cpu,cgroups/mem") or .so paths.
  std::string isolation = "posix/cpu,posix/mem";
  std::string plugin_dir;  // empty: next to the binary (<bin>/../lib/clusterctl)
  std::string cgroups_root = "clusterctl";
  bool cgroups_enable_cfs = false;
  int64_t pids_limit = kDefaultPidsLimit;  // 0: no limit unless the task asks for "pids"
  Duration usage_interval{1000};           // measuring, enforcing polled limits, reporting

  std::string fetcher_cache_dir;  // empty: WORK_DIR/fetcher-cache
  uint64_t fetcher_cache_size = 2ull << 30;
  Duration fetcher_stall_timeout{30000};
  int fetcher_retries = 3;
  Duration fetcher_retry_backoff{1000};
  std::string fetcher_ca_file;  // extra trusted CAs for https (tests)
  size_t fetcher_threads = 4;   // downloads at the same time
  // What one task's fetch may spend.
  uint64_t fetcher_max_size = 2ull << 30;  // a task's whole fetch, unless its disk is smaller
  uint64_t fetcher_max_entries = 250000;   // archive entries in a task's whole fetch
  Duration fetcher_timeout{600000};        // a task's whole fetch
  std::string fetcher_allowed_dirs;        // comma list; local files only below these

  uint64_t sandbox_log_max_size = 10ull << 20;  // stdout/stderr rotated past this; 0: never
  uint32_t sandbox_log_keep = 5;                // rotated files kept per stream
  Duration gc_delay{7LL * 24 * 3600 * 1000};    // finished sandboxes removed after this
  double gc_disk_headroom = 0.1;  // ... or at once while less than this fraction is free
  Duration disk_watch_interval{60000};
};

}  // namespace clusterctl
