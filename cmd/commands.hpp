// The subcommands of the `clusterctl` multi-call binary.
//
// Each subcommand NAME has a cmd/NAME.cpp with:
//   void setup_NAME(CLI::App&)        declares its flags on a CLI11 subcommand and
//                                      makes the subcommand run run_NAME when parsed;
//   int run_NAME(const NAMEOptions&)   does the work and returns the exit code
//                                      (0 ok, 1 failure explained on stderr), so it
//                                      can be tested without parsing.
// cmd/main.cpp lists them in an explicit table. Usage errors (exit 2) are found
// by CLI11 while parsing, before run_NAME is called.
// Everything here runs on the main thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/duration.hpp"
#include "core/log.hpp"
#include "daemons/agent/agent.hpp"
#include "daemons/master/master.hpp"

namespace CLI {
class App;
}

namespace clusterctl::cmd {

struct MasterOptions {
  clusterctl::MasterOptions daemon;
  LogLevel log_level = LogLevel::kInfo;
};

struct AgentOptions {
  clusterctl::AgentOptions daemon;
  LogLevel log_level = LogLevel::kInfo;
};

struct ExecutorOptions {
  std::string agent;
  std::string framework_id;
  std::string executor_id;
  std::string container_id;
  std::string sandbox;
};

// tasks, agents, offers and frameworks: read-only listings.
struct ListOptions {
  std::string master;  // default: $CLUSTERCTL_MASTER, then 127.0.0.1:5050
  bool json = false;
  Duration timeout{10000};
};
using TasksOptions = ListOptions;
using AgentsOptions = ListOptions;
using OffersOptions = ListOptions;
using FrameworksOptions = ListOptions;

struct ExecuteOptions {
  std::string master;
  std::string name;
  std::string command;
  std::string resources = "cpus:0.1;mem:32";
  std::vector<std::string> env;      // "KEY=VALUE", checked while parsing
  std::vector<std::string> uris;     // fetcher/uri_spec.hpp, checked while parsing
  std::vector<std::string> rlimits;  // "nofile=1024:4096", checked while parsing
  bool shell = true;                 // false: split the command on whitespace
  std::string role = "*";
  std::string framework_name = "clusterctl-execute";
  Duration kill_after{3000};
  std::optional<Duration> timeout;  // unset: wait for resources forever
  LogLevel log_level = LogLevel::kWarning;
};

// logs: a task's stdout or stderr, read from its agent's sandbox.
struct LogsOptions {
  std::string master;
  std::string task_id;
  bool stderr_stream = false;
  bool follow = false;
  std::optional<int64_t> tail;  // last N lines
  Duration timeout{10000};
};

// sandbox ls / sandbox cat: a task's sandbox files.
struct SandboxOptions {
  std::string master;
  std::string task_id;
  std::string path;  // relative to the sandbox; "" is the sandbox itself
  bool json = false;
  Duration timeout{10000};
};

void setup_master(CLI::App& app);
void setup_agent(CLI::App& app);
void setup_executor(CLI::App& app);
void setup_execute(CLI::App& app);
void setup_tasks(CLI::App& app);
void setup_agents(CLI::App& app);
void setup_offers(CLI::App& app);
void setup_frameworks(CLI::App& app);
void setup_logs(CLI::App& app);
void setup_sandbox(CLI::App& app);  // with the subcommands ls and cat

int run_master(const MasterOptions& options);
int run_agent(const AgentOptions& options);
int run_executor(const ExecutorOptions& options);
int run_execute(const ExecuteOptions& options);
int run_tasks(const TasksOptions& options);
int run_agents(const AgentsOptions& options);
int run_offers(const OffersOptions& options);
int run_frameworks(const FrameworksOptions& options);
int run_logs(const LogsOptions& options);
int run_sandbox_ls(const SandboxOptions& options);
int run_sandbox_cat(const SandboxOptions& options);

}  // namespace clusterctl::cmd
