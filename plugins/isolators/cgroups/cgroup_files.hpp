// Reading and writing cgroup interface files ("memory.limit_in_bytes",
// "cpu.max", "memory.stat"). Errors name the file and the reason.
// Plain system calls; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/status.hpp"

namespace clusterctl {

StatusOr<std::string> read_cgroup_file(const std::string& path);
// One write() of `value`, as the kernel expects for interface files.
Status write_cgroup_file(const std::string& path, const std::string& value);
// The first number of a file ("12345\n"); "max" reads as -1.
StatusOr<int64_t> read_cgroup_number(const std::string& path);
// "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control).
std::map<std::string, int64_t> parse_keyed_values(const std::string& text);

}  // namespace clusterctl
