// What an agent offers when --resources is not given: the CPUs this process
// may run on, the machine's memory and the work directory's free disk, each
// minus a small reserve for the system, and ports [31000-32000].
// Reads /proc and the file system; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "core/resources.hpp"
#include "core/status.hpp"

namespace clusterctl {

StatusOr<Resources> detect_resources(const std::string& work_dir);

// MemTotal of a /proc/meminfo text, in MB.
StatusOr<uint64_t> meminfo_total_mb(const std::string& meminfo);

// What is left to offer of `total_mb` after the reserve: min(1 GB, a quarter).
uint64_t after_reserve_mb(uint64_t total_mb);

}  // namespace clusterctl
