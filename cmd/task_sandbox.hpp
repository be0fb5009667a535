// How `logs` and `sandbox` reach a task's files: the master says which agent
// runs (or ran) the task and where that agent is; the agent's /state gives
// its sandbox root, and its /files endpoints serve the files (asked for in
// msgpack). Blocking calls for the command line; main thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/duration.hpp"
#include "core/status.hpp"

namespace clusterctl::cmd {

struct TaskSandbox {
  std::string task_id;
  std::string framework_id;
  std::string agent_address;  // host:port
  std::string dir;            // the sandbox (its runs/latest link)
};

// Finds the task (an exact id, or a unique prefix of one) and its sandbox.
// Errors are one line a user can act on.
StatusOr<TaskSandbox> find_task_sandbox(const std::string& master, const std::string& task_id,
                                        Duration timeout);

// Whether the task has reached a terminal state (asks the master).
StatusOr<bool> task_has_ended(const std::string& master, const TaskSandbox& sandbox,
                              Duration timeout);

struct FileChunk {
  int64_t offset = 0;
  int64_t size = 0;  // of the whole file
  std::string data;
};

// /files/read of `relative` (a path inside the sandbox). offset -1: size only.
StatusOr<FileChunk> read_sandbox_file(const TaskSandbox& sandbox, const std::string& relative,
                                      int64_t offset, int64_t length, Duration timeout);

struct SandboxEntry {
  std::string name;
  std::string type;  // file, directory, link, other
  int64_t size = 0;
  double mtime = 0;
  uint32_t mode = 0;
};

// /files/browse of `relative` (empty: the sandbox itself).
StatusOr<std::vector<SandboxEntry>> list_sandbox(const TaskSandbox& sandbox,
                                                 const std::string& relative, Duration timeout);

// Checks a path given by a user: relative, no "..".
Status check_sandbox_path(const std::string& relative);

}  // namespace clusterctl::cmd
