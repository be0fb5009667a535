// Sandbox directories (DESIGN.md "On disk"):
//
//   WORK_DIR/agents/AGENT_ID/frameworks/FW_ID/executors/EXECUTOR_ID/runs/CONTAINER_ID/
//   WORK_DIR/agents/AGENT_ID/frameworks/FW_ID/executors/EXECUTOR_ID/runs/latest -> CONTAINER_ID
//
// holding the task's stdout and stderr and the executor's executor.log.
// Plain file system calls; thread-safe.
#pragma once

#include <string>

#include "core/status.hpp"

namespace clusterctl {

struct SandboxId {
  std::string agent_id;
  std::string framework_id;
  std::string executor_id;
  std::string container_id;
};

// WORK_DIR/agents/AGENT_ID/frameworks/FW_ID/executors/EXECUTOR_ID/runs
std::string sandbox_runs_dir(const std::string& work_dir, const SandboxId& id);
// sandbox_runs_dir(...)/CONTAINER_ID
std::string sandbox_dir(const std::string& work_dir, const SandboxId& id);

// Checks every id (is_valid_id: no '/', no ".."), creates the sandbox and
// points runs/latest at it (replaced atomically). Returns the sandbox path.
StatusOr<std::string> create_sandbox(const std::string& work_dir, const SandboxId& id);

// Makes `runs_dir`/latest a link to `container_id`: a temporary link renamed
// over the old one, so readers always see a whole link.
Status point_latest_link(const std::string& runs_dir, const std::string& container_id);

}  // namespace clusterctl
