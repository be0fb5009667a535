// clusterctl master: runs the master daemon until SIGTERM or SIGINT.
#include <cstdlib>
#include <memory>

#include "cmd/authorization_flags.hpp"
#include "cmd/commands.hpp"
#include "cmd/daemon_runner.hpp"
#include "cmd/flags.hpp"
#include "cmd/self_restart.hpp"
#include "core/asio.hpp"
#include "core/rate_limiter.hpp"
#include "core/role_weights.hpp"
#include "core/zk/zk_address.hpp"
#include "daemons/master/allocator.hpp"
#include "daemons/master/master.hpp"

namespace clusterctl::cmd {

namespace {

// --authenticate-*, --authenticators, --credentials (daemons/master/authentication.hpp).
void add_authentication_flags(CLI::App& app, AuthenticationOptions& options) {
  app.add_flag("--authenticate-frameworks", options.frameworks,
               "Frameworks must authenticate (execute --principal/--secret-file) before any "
               "framework.* call");
  app.add_flag("--authenticate-agents", options.agents,
               "Agents must authenticate (agent --credential) before registering");
  app.add_flag("--authenticate-http", options.operators,
               "Operator calls (state.*, quota.*, weights.*, operator.*) need an authenticated "
               "connection");
  app.add_option_function<std::string>(
         "--authenticators",
         [&options](const std::string& text) {
           options.authenticators.clear();
           std::string item;
           for (char c : text + ",") {
             if (c != ',') {
               item += c;
             } else if (!item.empty()) {
               options.authenticators.push_back(item);
               item.clear();
             }
           }
         },
         "Authenticator plugins, a comma list: crammd5, scram-sha256, or paths to .so files "
         "(default: crammd5)")
      ->type_name("LIST");
  app.add_option("--credentials", options.credentials_file,
                 "JSON {\"credentials\":[{\"principal\":\"p\",\"secret\":\"s\"}]}, readable by "
                 "its owner only")
      ->type_name("FILE");
}

}  // namespace

void setup_master(CLI::App& app) {
  auto options = std::make_shared<MasterOptions>();
  clusterctl::MasterOptions& daemon = options->daemon;
  app.add_option("--listen", daemon.listen,
                 "host:port for RPC and HTTP; port 0 picks one (see WORK_DIR/master.address)")
      ->type_name("ADDR")
      ->capture_default_str();
  app.add_option("--work-dir", daemon.work_dir,
                 "Directory for the registry and master.address; created if missing")
      ->type_name("DIR")
      ->required();
  app.add_option("--allocator", daemon.allocator,
                 "Allocator plugin: NAME loads allocator_NAME.so, or a path to a .so")
      ->type_name("NAME|PATH")
      ->capture_default_str();
  add_authentication_flags(app, daemon.authentication);
  app.add_option("--plugin-dir", daemon.plugin_dir,
                 "Where plugins are found (default: BIN_DIR/../lib/clusterctl)")
      ->type_name("DIR");
  add_duration_flag(app, "--allocation-interval", daemon.allocation_interval,
                    "How often free resources are offered again");
  app.add_option_function<std::string>(
         "--weights", [&daemon](const std::string& text) { daemon.weights = *parse_weights(text); },
         "Role weights, 'analytics=3,batch=1' (those set with 'clusterctl weights' win)")
      ->type_name("ROLE=WEIGHT,...")
      ->check(make_validator([](const std::string& text) { return parse_weights(text).status(); }));
  app.add_option("--min-allocatable", daemon.min_allocatable,
                 "Offer only what holds all of one alternative: 'cpus:0.01|mem:32'")
      ->type_name("RESOURCES|...")
      ->capture_default_str()
      ->check(
          make_validator([](const std::string& text) { return allocator_config(text).status(); }));
  add_duration_flag(app, "--offer-timeout", daemon.offer_timeout,
                    "Rescind offers unanswered for this long and offer them again (0s: never)");
  add_duration_flag(app, "--agent-ping-timeout", daemon.agent_ping_timeout,
                    "Ping agents this often; an unanswered ping times out after it");
  app.add_option("--max-agent-ping-timeouts", daemon.max_agent_ping_timeouts,
                 "Missed pings after which an agent is unreachable (its tasks LOST)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000000).description(""))
      ->capture_default_str();
  app.add_option("--max-completed-tasks", daemon.max_completed_tasks,
                 "How many ended tasks to keep for 'clusterctl tasks'")
      ->type_name("N")
      ->capture_default_str();
  add_duration_flag(app, "--agent-reregister-timeout", daemon.agent_reregister_timeout,
                    "After a restart, how long known agents have to re-register before they are "
                    "unreachable");
  app.add_option("--agent-removal-rate-limit", daemon.agent_removal_rate_limit,
                 "At most N agents marked unreachable per DURATION, e.g. 1/10s (default: no "
                 "limit)")
      ->type_name("N/DURATION")
      ->check(make_validator([](const std::string& text) {
        auto limit = parse_rate_limit(text);
        return limit ? Status::ok() : limit.status();
      }));
  add_duration_flag(app, "--registry-max-agent-age", daemon.registry_max_agent_age,
                    "Forget an agent (and its tasks) unreachable for longer than this");
  app.add_option("--registry-max-agent-count", daemon.registry_max_agent_count,
                 "Keep at most this many unreachable agents; the oldest are forgotten first")
      ->type_name("N")
      ->check(count_validator())
      ->capture_default_str();
  add_duration_flag(app, "--registry-gc-interval", daemon.registry_gc_interval,
                    "How often unreachable agents are checked against the two limits above");
  CLI::Option* zk =
      app.add_option("--zk", daemon.zk,
                     "HA: elect one leader among the masters through ZooKeeper, "
                     "zk://[user:pass@]host:port[,host:port...]/path (the registry lives there)")
          ->type_name("ZK_URL")
          ->check(make_validator(
              [](const std::string& text) { return parse_zk_address(text).status(); }));
  app.add_option("--quorum", daemon.quorum,
                 "HA: how many masters must contend before the first leader may recover the "
                 "registry and admit agents (a majority of your masters, e.g. 2 of 3)")
      ->type_name("N")
      ->check(CLI::Range(1, 64).description(""))
      ->needs(zk)
      ->capture_default_str();
  add_duration_flag(app, "--zk-session-timeout", daemon.zk_session_timeout,
                    "HA: ZooKeeper session timeout; a leader cut off from ZooKeeper stops "
                    "leading within 2/3 of it")
      ->needs(zk);
  add_connection_flags(app, daemon.server);
  add_master_authorization_flags(app, daemon);
  add_tls_server_flags(app, daemon.server.tls);
  add_log_level_flag(app, options->log_level);
  set_run(app, options, &run_master);
}

int run_master(const MasterOptions& options) {
  set_log_component("master");
  set_log_level(options.log_level);
  prepare_work_dir(options.daemon.work_dir, "master");
  asio::io_context io;
  clusterctl::MasterOptions daemon = options.daemon;
  std::string address;  // the bound address, kept across a restart
  daemon.on_demoted = [&address](const std::string& why) {
    LOG(kWarning) << "restarting as a new contender (" << why << ")";
    std::string failed = restart_self(address);
    print_error("master", failed);
    std::_Exit(1);
  };
  StatusOr<std::unique_ptr<Master>> master = Master::create(io, std::move(daemon));
  if (!master) {
    print_error("master", master.status().message());
    return 1;
  }
  address = (*master)->address();
  return run_daemon(io, "master", options.daemon.work_dir, address,
                    [&](std::function<void()> stopped) {
                      (*master)->stop();
                      stopped();
                    });
}

}  // namespace clusterctl::cmd
