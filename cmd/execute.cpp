// clusterctl execute: runs one command as a task on the cluster, prints its
// state transitions on stderr and exits with the task's exit code. The
// scheduling itself is in cmd/command_scheduler.*; this file holds the flags.
#include <memory>
#include <sstream>

#include "cmd/command_scheduler.hpp"
#include "cmd/commands.hpp"
#include "cmd/flags.hpp"
#include "core/rlimits.hpp"
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

}  // namespace

void setup_execute(CLI::App& app) {
  auto options = std::make_shared<ExecuteOptions>();
  add_master_flag(app, options->master);
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
  app.add_option("--framework-name", options->framework_name,
                 "Name shown by 'clusterctl frameworks'")
      ->type_name("NAME")
      ->capture_default_str()
      ->check(make_validator(check_not_blank));
  add_duration_flag(app, "--kill-after", options->kill_after,
                    "When killing the task: time from SIGTERM to SIGKILL");
  add_duration_flag(app, "--timeout", options->timeout,
                    "Exit 1 if no offer fits by then (default: wait forever)");
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
  scheduler.name = options.name;
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
  scheduler.kill_after = options.kill_after;
  scheduler.timeout = options.timeout;
  return run_command_scheduler(scheduler);
}

}  // namespace clusterctl::cmd
