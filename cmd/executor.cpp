// clusterctl executor (hidden): the built-in command executor. An agent starts
// it for each task; it connects back to the agent and runs the task's command.
// It proves itself to the agent with the secret the agent put in its
// environment (CLUSTERCTL_EXECUTOR_SECRET), which its task does not get.
#include <cstdlib>
#include <cstring>
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/flags.hpp"
#include "daemons/executor/command_executor.hpp"

namespace clusterctl::cmd {

namespace {

// The secret the agent gave this executor, taken out of the environment so
// that the task never inherits it: the variable is unset, and its value is
// overwritten where the kernel shows the initial environment
// (/proc/PID/environ, readable by the task's user).
std::string take_executor_secret() {
  char* value = std::getenv("CLUSTERCTL_EXECUTOR_SECRET");
  if (value == nullptr) return "";
  std::string secret = value;
  std::memset(value, 'x', secret.size());
  ::unsetenv("CLUSTERCTL_EXECUTOR_SECRET");
  return secret;
}

}  // namespace

void setup_executor(CLI::App& app) {
  auto options = std::make_shared<ExecutorOptions>();
  app.add_option("--agent", options->agent, "host:port of the agent that started this executor")
      ->type_name("ADDR")
      ->required();
  app.add_option("--framework-id", options->framework_id, "Framework the task belongs to")
      ->type_name("ID")
      ->required();
  app.add_option("--executor-id", options->executor_id, "This executor's id, given by the agent")
      ->type_name("ID")
      ->required();
  app.add_option("--container-id", options->container_id, "Container (run) id, given by the agent")
      ->type_name("ID")
      ->required();
  app.add_option("--sandbox", options->sandbox,
                 "Sandbox: the task's working directory, holding stdout and stderr")
      ->type_name("DIR")
      ->required();
  app.add_flag("--checkpoint", options->checkpoint,
               "Keep the task running when the agent goes away, and reconnect to it");
  app.add_option("--agent-address-file", options->agent_address_file,
                 "File in which a restarted agent writes its address (with --checkpoint)")
      ->type_name("FILE");
  add_duration_flag(app, "--recovery-timeout", options->recovery_timeout,
                    "With --checkpoint: how long to wait for the agent before killing the task");
  set_run(app, options, &run_executor);
}

int run_executor(const ExecutorOptions& options) {
  CommandExecutorOptions executor;
  executor.agent = options.agent;
  executor.framework_id = options.framework_id;
  executor.executor_id = options.executor_id;
  executor.container_id = options.container_id;
  executor.sandbox = options.sandbox;
  executor.checkpoint = options.checkpoint;
  executor.agent_address_file = options.agent_address_file;
  executor.recovery_timeout = options.recovery_timeout;
  // The agent says how to check its certificate (it runs TLS when it set
  // this) and which to show; the task keeps only the CA.
  for (auto [name, target] : {std::pair{"CLUSTERCTL_TLS_CA", &executor.tls.ca_file},
                              std::pair{"CLUSTERCTL_TLS_CERT", &executor.tls.cert_file},
                              std::pair{"CLUSTERCTL_TLS_KEY", &executor.tls.key_file}}) {
    const char* value = std::getenv(name);
    if (value != nullptr) *target = value;
  }
  ::unsetenv("CLUSTERCTL_TLS_CERT");
  ::unsetenv("CLUSTERCTL_TLS_KEY");
  executor.secret = take_executor_secret();
  return run_command_executor(executor);
}

}  // namespace clusterctl::cmd
