// The built-in command executor (`clusterctl executor`, started by an agent
// for each task): connects back to its agent, registers to get its task, runs
// the task's command in its own process group inside the sandbox, and reports
// STARTING, RUNNING and the terminal state, one update at a time, in order.
// It kills the task on request (SIGTERM, SIGKILL after the grace period), and
// at once when the connection to its agent drops.
//
// Threading: run_command_executor runs its own io_context on the calling
// thread until the executor is done.
#pragma once

#include <string>

namespace clusterctl {

struct CommandExecutorOptions {
  std::string agent;  // host:port of the agent
  std::string framework_id;
  std::string executor_id;
  std::string container_id;
  std::string sandbox;
};

// Returns the process exit code: 0 once the terminal update was acknowledged,
// 1 if the agent could not be reached or went away.
int run_command_executor(const CommandExecutorOptions& options);

}  // namespace clusterctl
