// What a task's container uses, as its agent measured it through the
// isolators (cgroups or /proc), and how it reaches the master: each agent
// sends `agent.usage` with the usage of its running tasks every
// --usage-interval (docs/PROTOCOL.md). Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <msgpack.hpp>

namespace clusterctl {

struct TaskUsage {
  double timestamp = 0;              // seconds since the epoch, when measured
  double cpu_seconds = 0;            // user + system CPU time so far
  double cpu_throttled_seconds = 0;  // time held back by a CFS quota
  int64_t mem_rss_bytes = 0;
  int64_t mem_usage_bytes = 0;  // with page cache (cgroups)
  int64_t mem_peak_bytes = 0;
  int64_t mem_limit_bytes = 0;  // 0: none
  int64_t pids = 0;             // processes and threads
  int64_t pids_limit = 0;       // 0: none
  MSGPACK_DEFINE_MAP(timestamp, cpu_seconds, cpu_throttled_seconds, mem_rss_bytes, mem_usage_bytes,
                     mem_peak_bytes, mem_limit_bytes, pids, pids_limit);
};

// The usage values isolators report (isolator.h keys) as a TaskUsage; keys
// reported by several isolators keep the largest value.
inline TaskUsage task_usage_from(const std::map<std::string, double>& values, double timestamp) {
  TaskUsage usage;
  usage.timestamp = timestamp;
  auto number = [&](const char* key) {
    auto found = values.find(key);
    return found == values.end() ? 0.0 : found->second;
  };
  usage.cpu_seconds = number("cpu_seconds");
  usage.cpu_throttled_seconds = number("cpu_throttled_seconds");
  usage.mem_rss_bytes = static_cast<int64_t>(number("mem_rss_bytes"));
  usage.mem_usage_bytes = static_cast<int64_t>(number("mem_usage_bytes"));
  usage.mem_peak_bytes = static_cast<int64_t>(number("mem_peak_bytes"));
  usage.mem_limit_bytes = static_cast<int64_t>(number("mem_limit_bytes"));
  usage.pids = static_cast<int64_t>(number("pids"));
  usage.pids_limit = static_cast<int64_t>(number("pids_limit"));
  return usage;
}

// One task's usage in agent.usage.
struct TaskUsageReport {
  std::string framework_id;
  std::string task_id;
  TaskUsage usage;
  MSGPACK_DEFINE_MAP(framework_id, task_id, usage);
};

// agent.usage (agent -> master).
struct AgentUsageCall {
  std::string agent_id;
  std::vector<TaskUsageReport> tasks;
  MSGPACK_DEFINE_MAP(agent_id, tasks);
};

}  // namespace clusterctl
