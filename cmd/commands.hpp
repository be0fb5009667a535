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
  bool checkpoint = false;
  std::string agent_address_file;
  Duration recovery_timeout{15 * 60 * 1000};
};

// tasks, agents, offers, frameworks, roles and masters: read-only listings; the base
// of the other client subcommands' options.
struct ListOptions {
  std::string master;  // default: $CLUSTERCTL_MASTER, then 127.0.0.1:5050
  bool json = false;
  Duration timeout{10000};
};
using TasksOptions = ListOptions;
using AgentsOptions = ListOptions;
using OffersOptions = ListOptions;
using FrameworksOptions = ListOptions;
using RolesOptions = ListOptions;
using MastersOptions = ListOptions;

// quota set|get|remove.
struct QuotaOptions : ListOptions {
  enum class Action { kSet, kGet, kRemove };
  Action action = Action::kGet;
  std::string role;       // kGet: empty for every quota
  std::string guarantee;  // kSet: resources text, checked while parsing
  std::string limit;
  bool force = false;
};

// weights set|get.
struct WeightsOptions : ListOptions {
  bool set = false;
  std::vector<std::string> weights;  // "ROLE=WEIGHT[,ROLE=WEIGHT]", checked while parsing
};

// reserve and unreserve.
struct ReserveOptions : ListOptions {
  bool unreserve = false;
  std::string agent_id;
  std::string resources;  // with roles: "cpus(analytics):1"
};

// frameworks teardown ID.
struct TeardownOptions : ListOptions {
  std::string framework_id;
};

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
  std::string user;  // empty: the caller's user
  Duration kill_after{3000};
  std::optional<Duration> timeout;  // unset: wait for resources forever
  LogLevel log_level = LogLevel::kWarning;
  bool checkpoint = false;
  Duration failover_timeout{0};
  // Health check: at most one of command, HTTP "PORT[/PATH]" and TCP port.
  std::string health_check_cmd;
  std::string health_check_http;
  uint32_t health_check_tcp = 0;
  std::optional<Duration> health_check_delay;
  std::optional<Duration> health_check_interval;
  std::optional<Duration> health_check_timeout;
  std::optional<Duration> health_check_grace_period;
  std::optional<uint32_t> health_check_max_failures;
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
void setup_quota(CLI::App& app);
void setup_weights(CLI::App& app);
void setup_roles(CLI::App& app);
void setup_masters(CLI::App& app);
void setup_reserve(CLI::App& app);
void setup_unreserve(CLI::App& app);

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
int run_teardown(const TeardownOptions& options);
int run_quota(const QuotaOptions& options);
int run_weights(const WeightsOptions& options);
int run_roles(const RolesOptions& options);
int run_masters(const MastersOptions& options);
int run_reserve(const ReserveOptions& options);  // also unreserve

}  // namespace clusterctl::cmd
