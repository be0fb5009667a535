// clusterctl agent: runs the agent daemon until SIGTERM or SIGINT, which kill
// the tasks of frameworks that do not checkpoint and wait for their executors
// before it exits; tasks of checkpointing frameworks keep running for the
// restarted agent to recover.
#include <memory>

#include "cmd/authorization_flags.hpp"
#include "cmd/commands.hpp"
#include "cmd/container_flags.hpp"
#include "cmd/daemon_runner.hpp"
#include "cmd/flags.hpp"
#include "core/asio.hpp"
#include "daemons/agent/agent.hpp"

namespace clusterctl::cmd {

void setup_agent(CLI::App& app) {
  auto options = std::make_shared<AgentOptions>();
  clusterctl::AgentOptions& daemon = options->daemon;
  add_master_flag(app, daemon.master);
  app.add_option("--credential", daemon.credential_file,
                 "JSON {\"principal\":\"p\",\"secret\":\"s\"}, readable by its owner only: "
                 "authenticate to the master as p")
      ->type_name("FILE");
  app.add_option("--listen", daemon.listen,
                 "host:port for RPC and HTTP; port 0 picks one (see WORK_DIR/agent.address)")
      ->type_name("ADDR")
      ->capture_default_str();
  app.add_option("--work-dir", daemon.work_dir,
                 "Directory for sandboxes and agent.address; created if missing")
      ->type_name("DIR")
      ->required();
  app.add_option("--resources", daemon.resources,
                 "What to offer, e.g. 'cpus:2;mem:1024;ports:[31000-32000]' (default: "
                 "this machine's cpus, mem, disk)")
      ->type_name("RESOURCES")
      ->check(resources_validator());
  app.add_option("--attributes", daemon.attributes,
                 "Attributes shown in offers, e.g. 'rack:r1;zone:z2' (default: none)")
      ->type_name("ATTRIBUTES")
      ->check(attributes_validator());
  app.add_option("--hostname", daemon.hostname,
                 "Host name to report (default: this machine's host name)")
      ->type_name("NAME");
  add_duration_flag(app, "--registration-backoff-max", daemon.registration_backoff_max,
                    "Longest wait between attempts to reach the master");
  add_duration_flag(app, "--executor-shutdown-grace", daemon.executor_shutdown_grace,
                    "On shutdown, time executors of frameworks that do not checkpoint get to "
                    "exit before SIGKILL");
  app.add_option("--recover", daemon.recover,
                 "On restart: reconnect to the tasks of checkpointing frameworks, or clean "
                 "them up (kill them)")
      ->type_name("reconnect|cleanup")
      ->check(CLI::IsMember({"reconnect", "cleanup"}))
      ->capture_default_str();
  app.add_option("--reconfiguration-policy", daemon.reconfiguration_policy,
                 "On restart with other --resources/--attributes: equal refuses, additive "
                 "accepts growth")
      ->type_name("equal|additive")
      ->check(CLI::IsMember({"equal", "additive"}))
      ->capture_default_str();
  add_duration_flag(app, "--recovery-timeout", daemon.recovery_timeout,
                    "How long executors of checkpointing frameworks wait for a restarted agent "
                    "before killing their task");
  add_duration_flag(app, "--executor-reregister-timeout", daemon.executor_reregister_timeout,
                    "After a restart, how long recovered executors have to reconnect before "
                    "they are killed");
  app.add_flag("--switch-user", daemon.switch_user,
               "When run as root: tasks and executors run as the task's user, who owns the "
               "sandbox (--switch-user=false: as the agent's user)")
      ->capture_default_str();
  app.add_option("--executor-environment", daemon.executor_environment,
                 "Variables for every executor and task, a JSON object of strings, e.g. "
                 "'{\"JAVA_HOME\": \"/opt/jdk\"}' (tasks never get the agent's environment)")
      ->type_name("JSON");
  add_container_flags(app, daemon.containers);
  add_connection_flags(app, daemon.server);
  add_agent_authorization_flags(app, daemon);
  add_tls_server_flags(app, daemon.server.tls);
  add_log_level_flag(app, options->log_level);
  set_run(app, options, &run_agent);
}

int run_agent(const AgentOptions& options) {
  set_log_component("agent");
  set_log_level(options.log_level);
  prepare_work_dir(options.daemon.work_dir, "agent");
  asio::io_context io;
  StatusOr<std::unique_ptr<Agent>> agent = Agent::create(io, options.daemon);
  if (!agent) {
    print_error("agent", agent.status().message());
    return 1;
  }
  // The agent kills the tasks it cannot recover and waits for their executors.
  return run_daemon(io, "agent", options.daemon.work_dir, (*agent)->address(),
                    [&](std::function<void()> stopped) { (*agent)->shutdown(stopped); });
}

}  // namespace clusterctl::cmd
