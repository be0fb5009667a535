// clusterctl: one multi-call binary for every subcommand (like git/busybox).
//
//   clusterctl SUBCOMMAND [FLAGS...]
//   clusterctl-SUBCOMMAND [FLAGS...]   (a link to the binary acts as SUBCOMMAND)
//
// The subcommands are listed in one explicit table below. Exit codes: 0 ok,
// 1 a failure the message explains, 2 a usage error (one line naming what was
// wrong, and where to find the usage).
#include <algorithm>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cmd/commands.hpp"
#include "cmd/flags.hpp"

#ifndef CLUSTERCTL_VERSION
#define CLUSTERCTL_VERSION "0.0.0"
#endif

namespace {

using namespace clusterctl::cmd;

constexpr int kUsageExitCode = 2;

struct Subcommand {
  const char* name;
  const char* description;
  void (*setup)(CLI::App&);
  bool hidden;  // left out of `clusterctl --help` (started by other programs)
};

constexpr Subcommand kSubcommands[] = {
    {"master", "Run a master: track agents, offer their resources to frameworks, keep task state",
     setup_master, false},
    {"agent", "Run an agent: offer this machine's resources to a master and run tasks", setup_agent,
     false},
    {"execute", "Run one command as a task on the cluster and wait until it ends", setup_execute,
     false},
    {"tasks", "List the tasks of the cluster, live and recently completed", setup_tasks, false},
    {"agents", "List the agents with their resources, used and total", setup_agents, false},
    {"offers", "List the offers the master has made and frameworks still hold", setup_offers,
     false},
    {"frameworks", "List the frameworks subscribed to the master", setup_frameworks, false},
    {"logs", "Print a task's stdout or stderr, or follow it", setup_logs, false},
    {"sandbox", "List or print the files of a task's sandbox (ls, cat)", setup_sandbox, false},
    {"quota", "Set, show or remove the quota (guarantee and limit) of a role", setup_quota, false},
    {"weights", "Set or show role weights, which scale the roles' fair shares", setup_weights,
     false},
    {"roles", "List the roles with weight, quota, allocation, reservations and frameworks",
     setup_roles, false},
    {"masters", "List the masters: with zk://, every contender and which one leads", setup_masters,
     false},
    {"reserve", "Reserve an agent's unreserved resources for a role", setup_reserve, false},
    {"unreserve", "Give back resources reserved with 'clusterctl reserve'", setup_unreserve, false},
    {"executor", "The built-in command executor, started by agents for each task", setup_executor,
     true},
};

const Subcommand* find_subcommand(const std::string& name) {
  for (const Subcommand& sub : kSubcommands) {
    if (name == sub.name) return &sub;
  }
  return nullptr;
}

// The arguments after the program name. Called as clusterctl-NAME (a link), the
// binary acts as `clusterctl NAME`.
std::vector<std::string> command_line(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string program = argc > 0 ? argv[0] : "clusterctl";
  std::string base = program.substr(program.find_last_of('/') + 1);
  const std::string prefix = "clusterctl-";
  if (base.rfind(prefix, 0) == 0 && find_subcommand(base.substr(prefix.size())) != nullptr) {
    args.insert(args.begin(), base.substr(prefix.size()));
  }
  return args;
}

std::unique_ptr<CLI::App> build_app() {
  auto app = std::make_unique<CLI::App>(
      "clusterctl: a cluster resource manager. A master pools the resources of agents and offers "
      "them to frameworks, which run tasks on them.",
      "clusterctl");
  app->set_help_flag("-h,--help", "Print this help and exit");
  app->set_version_flag("--version", std::string("clusterctl ") + CLUSTERCTL_VERSION,
                        "Print the version and exit");
  app->require_subcommand(1);
  app->get_formatter()->column_width(42);
  app->footer("Run 'clusterctl SUBCOMMAND --help' for the flags of a subcommand.");
  for (const Subcommand& sub : kSubcommands) {
    CLI::App* command = app->add_subcommand(sub.name, sub.description);
    command->group(sub.hidden ? "" : "Subcommands");
    command->footer(
        "Durations are written 500ms, 10s, 5m. Exit codes: 0 success, 1 failure (explained on "
        "stderr), 2 usage error.");
    sub.setup(*command);
  }
  return app;
}

void print_usage_hint(const std::string& command, const std::string& message) {
  print_error(command, message);
  print_line("Run 'clusterctl " + command + " --help' for usage.");
}

// Help and version go to stdout with exit 0; everything else is a usage error.
int report_parse_error(CLI::App& app, const CLI::ParseError& error) {
  if (error.get_exit_code() == 0) return app.exit(error);
  std::vector<CLI::App*> parsed = app.get_subcommands();
  if (parsed.empty()) {
    // A missing subcommand is reported before unexpected arguments: name those first.
    std::vector<std::string> unexpected = app.remaining();
    bool no_subcommand = dynamic_cast<const CLI::RequiredError*>(&error) != nullptr;
    if (no_subcommand && unexpected.empty()) {
      std::cerr << app.help();
    } else {
      std::string what = no_subcommand ? "unexpected argument " + unexpected.front() : error.what();
      print_line("clusterctl: " + what);
      print_line("Run 'clusterctl --help' for usage.");
    }
    return kUsageExitCode;
  }
  print_usage_hint(parsed.front()->get_name(), error.what());
  return kUsageExitCode;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args = command_line(argc, argv);
  std::unique_ptr<CLI::App> app = build_app();
  if (args.empty()) {
    std::cerr << app->help();
    return kUsageExitCode;
  }
  if (args.front().rfind("-", 0) != 0 && find_subcommand(args.front()) == nullptr) {
    print_line("clusterctl: unknown subcommand '" + args.front() + "'");
    print_line("Run 'clusterctl --help' for the list of subcommands.");
    return kUsageExitCode;
  }
  std::string name = args.front();
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments reversed
  try {
    app->parse(args);
    return 0;
  } catch (const CLI::RuntimeError& done) {
    return done.get_exit_code();  // run_NAME returned non-zero
  } catch (const CLI::ParseError& error) {
    return report_parse_error(*app, error);
  } catch (const std::exception& error) {
    print_error(name, std::string("internal error: ") + error.what());
    return 1;
  }
}
