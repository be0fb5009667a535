// clusterctl execute: runs one command as a task on the cluster, prints its
// state transitions on stderr and exits with the task's exit code. The
// scheduling itself is in cmd/command_scheduler.*; this file holds the flags.
#include <memory>
#include <sstream>

#include "cmd/command_scheduler.hpp"
#include "cmd/commands.hpp"
#include "cmd/flags.hpp"
#include "core/auth/client_authentication.hpp"
#include "core/rlimits.hpp"
#include "daemons/executor/health_check.hpp"
#include "fetcher/uri_spec.hpp"

namespace clusterctl::cmd {

namespace {

// KEY=VALUE with KEY a shell variable name; the value may be empty.
Status check_env(const std::string& text) {
  size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0) {
    return Status::invalid("'" + text + "' is not KEY=VALUE");
  }
  for (size_t i = 0; i < equals; ++i) {
    char c = text[i];
    bool ok = c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) {
      return Status::invalid("'" + text.substr(0, equals) +
                             "' is not a variable name (letters, digits and _)");
    }
  }
  return Status::ok();
}

Status check_task_resources(const std::string& text) {
  StatusOr<Resources> resources = Resources::parse(text);
  if (!resources) return resources.status();
  if (resources->empty())
    return Status::invalid("a task needs some resources, e.g. cpus:0.1;mem:32");
  return Status::ok();
}

Status check_not_blank(const std::string& text) {
  if (text.find_first_not_of(" \t\n") == std::string::npos) return Status::invalid("is empty");
  return Status::ok();
}

std::vector<std::string> split_whitespace(const std::string& text) {
  std::istringstream stream(text);
  std::vector<std::string> words;
  for (std::string word; stream >> word;) words.push_back(word);
  return words;
}

Status check_http_check(const std::string& text) {
  size_t slash = text.find('/');
  std::string port = text.substr(0, slash);
  bool digits = !port.empty() && port.size() <= 5 &&
                port.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoi(port) == 0 || std::stoi(port) > 65535) {
    return Status::invalid("'" + text + "' is not PORT[/PATH] with PORT from 1 to 65535");
  }
  return Status::ok();
}

void add_health_check_flags(CLI::App& app, ExecuteOptions& options) {
  auto* command = app.add_option("--health-check-cmd", options.health_check_cmd,
                                 "Health check: a command run in the sandbox; healthy if it "
                                 "exits 0")
                      ->type_name("COMMAND")
                      ->check(make_validator(check_not_blank));
  auto* http = app.add_option("--health-check-http", options.health_check_http,
                              "Health check: GET http://127.0.0.1:PORT/PATH; healthy on 2xx/3xx")
                   ->type_name("PORT[/PATH]")
                   ->check(make_validator(check_http_check));
  auto* tcp = app.add_option("--health-check-tcp", options.health_check_tcp,
                             "Health check: healthy if 127.0.0.1:PORT accepts a connection")
                  ->type_name("PORT")
                  ->check(CLI::Range(1, 65535).description(""));
  command->excludes(http)->excludes(tcp);
  http->excludes(tcp);
  add_duration_flag(app, "--health-check-delay", options.health_check_delay,
                    "Time before the first check (default: 0s)");
  add_duration_flag(app, "--health-check-interval", options.health_check_interval,
                    "Time between checks (default: 10s)");
  add_duration_flag(app, "--health-check-timeout", options.health_check_timeout,
                    "A check taking longer fails (default: 20s)");
  add_duration_flag(app, "--health-check-grace-period", options.health_check_grace_period,
                    "Failures this soon after the start do not count until one check passes "
                    "(default: 10s)");
  app.add_option("--health-check-max-failures", options.health_check_max_failures,
                 "Kill the task after this many failed checks in a row (default: 3)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000000).description(""));
}

// The health check the flags ask for; nullopt without one. Tuning flags
// without a check are an error.
StatusOr<std::optional<HealthCheckInfo>> health_check_of(const ExecuteOptions& options) {
  HealthCheckInfo check;
  if (!options.health_check_cmd.empty()) {
    check.type = "command";
    check.command = options.health_check_cmd;
  } else if (!options.health_check_http.empty()) {
    size_t slash = options.health_check_http.find('/');
    check.type = "http";
    check.port = static_cast<uint32_t>(std::stoul(options.health_check_http.substr(0, slash)));
    if (slash != std::string::npos) check.path = options.health_check_http.substr(slash);
  } else if (options.health_check_tcp != 0) {
    check.type = "tcp";
    check.port = options.health_check_tcp;
  }
  bool tuned = options.health_check_delay || options.health_check_interval ||
               options.health_check_timeout || options.health_check_grace_period ||
               options.health_check_max_failures;
  if (check.type.empty()) {
    if (!tuned) return std::optional<HealthCheckInfo>();
    return Status::invalid(
        "the --health-check-* timings need --health-check-cmd, --health-check-http or "
        "--health-check-tcp");
  }
  check.delay_millis = options.health_check_delay.value_or(Duration(0)).count();
  check.interval_millis = options.health_check_interval.value_or(Duration(10000)).count();
  check.timeout_millis = options.health_check_timeout.value_or(Duration(20000)).count();
  check.grace_period_millis = options.health_check_grace_period.value_or(Duration(10000)).count();
  check.consecutive_failures = options.health_check_max_failures.value_or(3);
  CLUSTERCTL_RETURN_IF_ERROR(validate_health_check(check));
  return std::optional<HealthCheckInfo>(check);
}

}  // namespace

void setup_execute(CLI::App& app) {
  auto options = std::make_shared<ExecuteOptions>();
  add_master_flag(app, options->master);
  add_credential_flags(app, options->principal, options->secret_file);
  add_tls_client_flag(app);
  app.add_option("--name", options->name, "Name of the task; its id is NAME-<random suffix>")
      ->type_name("NAME")
      ->required()
      ->check(make_validator(check_not_blank));
  app.add_option("--command", options->command,
                 "Command to run, through /bin/sh -c unless --no-shell")
      ->type_name("COMMAND")
      ->required()
      ->check(make_validator(check_not_blank));
  app.add_option("--resources", options->resources,
                 "What the task needs; 'cpus(ops):1' asks for resources reserved for ops")
      ->type_name("RESOURCES")
      ->capture_default_str()
      ->check(make_validator(check_task_resources));
  app.add_option("--env", options->env,
                 "Environment variable for the task; repeatable (default: none)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(make_validator(check_env));
  app.add_option("--uri", options->uris,
                 "Artifact fetched into the sandbox first; repeatable. "
                 "URI[,executable][,cache][,no-extract][,sha256=HEX][,output=NAME]")
      ->type_name("URI")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(
          make_validator([](const std::string& text) { return parse_uri_spec(text).status(); }));
  app.add_option("--rlimit", options->rlimits,
                 "Resource limit for the task, e.g. nofile=1024:4096; repeatable (needs the "
                 "posix/rlimits isolator on the agent)")
      ->type_name("NAME=SOFT[:HARD]")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(make_validator(
          [](const std::string& text) { return split_resource_limit(text).status(); }));
  app.add_flag_callback(
      "--shell", [options] { options->shell = true; },
      "Run the command through /bin/sh -c (the default)");
  app.add_flag_callback(
      "--no-shell", [options] { options->shell = false; },
      "Split the command on whitespace into program and arguments; no shell");
  app.add_option("--role", options->role,
                 "Role to subscribe in: use unreserved resources and those of ROLE")
      ->type_name("ROLE")
      ->capture_default_str()
      ->check(role_validator());
  app.add_option("--user", options->user,
                 "OS user the task runs as on an agent that switches users (default: yours)")
      ->type_name("USER")
      ->check(make_validator(check_not_blank));
  app.add_option("--framework-name", options->framework_name,
                 "Name shown by 'clusterctl frameworks'")
      ->type_name("NAME")
      ->capture_default_str()
      ->check(make_validator(check_not_blank));
  add_duration_flag(app, "--kill-after", options->kill_after,
                    "When killing the task: time from SIGTERM to SIGKILL");
  add_duration_flag(app, "--timeout", options->timeout,
                    "Exit 1 if no offer fits by then (default: wait forever)");
  app.add_flag("--checkpoint", options->checkpoint,
               "Ask agents to checkpoint the task, so that it survives an agent restart");
  add_duration_flag(app, "--failover-timeout", options->failover_timeout,
                    "How long the master keeps the task if execute goes away (0: kill it at "
                    "once)");
  add_health_check_flags(app, *options);
  add_log_level_flag(app, options->log_level);
  app.footer(
      "Exits with the task's own exit code once it ran (128+N if signal N ended it); otherwise "
      "1 with the reason on stderr; 2 on a usage error. Durations are written 500ms, 10s, 5m.");
  set_run(app, options, &run_execute);
}

int run_execute(const ExecuteOptions& options) {
  set_log_component("execute");
  set_log_level(options.log_level);
  CommandSchedulerOptions scheduler;
  scheduler.master = options.master;
  scheduler.tls = client_tls();
  scheduler.name = options.name;
  auto credential = client_credential(options.principal, options.secret_file);
  if (!credential) {
    print_error("execute", credential.status().message());
    return 1;
  }
  scheduler.credential = *credential;
  StatusOr<Resources> resources = Resources::parse(options.resources);
  if (!resources) {
    print_error("execute", resources.status().message());
    return 1;
  }
  scheduler.resources = *resources;
  scheduler.command.shell = options.shell;
  if (options.shell) {
    scheduler.command.value = options.command;
  } else {
    std::vector<std::string> words = split_whitespace(options.command);
    if (words.empty()) {
      print_error("execute", "--command is empty");
      return 1;
    }
    scheduler.command.value = words.front();
    scheduler.command.arguments.assign(words.begin() + 1, words.end());
  }
  for (const std::string& entry : options.env) {
    Status valid = check_env(entry);
    if (!valid) {
      print_error("execute", "--env " + valid.message());
      return 1;
    }
    size_t equals = entry.find('=');
    scheduler.command.environment[entry.substr(0, equals)] = entry.substr(equals + 1);
  }
  for (const std::string& spec : options.uris) {
    StatusOr<UriInfo> uri = parse_uri_spec(spec);
    if (!uri) {
      print_error("execute", "--uri " + uri.status().message());
      return 1;
    }
    scheduler.command.uris.push_back(*uri);
  }
  for (const std::string& text : options.rlimits) {
    auto limit = split_resource_limit(text);
    if (!limit) {
      print_error("execute", "--rlimit " + limit.status().message());
      return 1;
    }
    scheduler.command.rlimits[limit->first] = limit->second;
  }
  scheduler.role = options.role;
  scheduler.framework_name = options.framework_name;
  scheduler.user = options.user;
  scheduler.kill_after = options.kill_after;
  scheduler.timeout = options.timeout;
  scheduler.checkpoint = options.checkpoint;
  scheduler.failover_timeout = options.failover_timeout;
  auto health_check = health_check_of(options);
  if (!health_check) {
    print_error("execute", health_check.status().message());
    print_line("Run 'clusterctl execute --help' for usage.");
    return 2;
  }
  scheduler.health_check = *health_check;
  return run_command_scheduler(scheduler);
}

}  // namespace clusterctl::cmd
