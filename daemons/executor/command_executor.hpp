// The built-in command executor (`clusterctl executor`, started by an agent
// for each task): connects back to its agent, registers to get its task, runs
// the task's command in its own process group inside the sandbox, and reports
// STARTING, RUNNING and the terminal state, one update at a time, in order.
// It runs the task's health check, if any: each change of health is a
// RUNNING update with `healthy` set, and a task that fails its check is
// killed. It kills the task on request (SIGTERM, SIGKILL after the grace
// period). When the connection to its agent drops it kills the task at once,
// unless its framework checkpoints: then the task keeps running while the
// executor reconnects to the restarted agent (AgentSession), for up to the
// recovery timeout.
//
// Threading: run_command_executor runs its own io_context on the calling
// thread until the executor is done.
#pragma once

#include <string>

#include "core/duration.hpp"
#include "core/rpc/tls_options.hpp"

namespace clusterctl {

struct CommandExecutorOptions {
  std::string agent;  // host:port of the agent
  std::string framework_id;
  std::string executor_id;
  std::string container_id;
  std::string sandbox;
  bool checkpoint = false;
  std::string agent_address_file;  // where a restarted agent says its address
  Duration recovery_timeout{15 * 60 * 1000};
  TlsClientOptions tls;  // towards the agent: its CA from $CLUSTERCTL_TLS_CA
  std::string secret;    // presented in executor.register (from CLUSTERCTL_EXECUTOR_SECRET)
};

// Returns the process exit code: 0 once the terminal update was acknowledged,
// 1 if the agent could not be reached or went away.
int run_command_executor(const CommandExecutorOptions& options);

}  // namespace clusterctl
