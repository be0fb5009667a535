// The built-in command scheduler behind `clusterctl execute`: a framework that
// runs one command as one task and reports what became of it.
//
// It finds the master through a MasterLocator (the first reachable address
// of a comma list, or the leader a zk:// address names; a standby's
// not_leader answer sends it to the leader), subscribes as a framework,
// accepts the first offer that fits the task and declines the others, then
// suppresses offers. Each state transition of the task (and each change of
// its health) is printed to stderr ("execute: task ID is RUNNING"), and every
// status update is acknowledged. Once subscribed (waiting for offers or with
// the task placed), a lost master, or with ZooKeeper a master that no longer
// leads, is left for the leader (any address of a list; jittered backoff up
// to 2 s) and the framework subscribes again under its id, for up to the
// failover timeout (at least 30 s). SIGINT/SIGTERM kill a placed task and
// wait for its terminal update. Everything is driven by events on one
// io_context owned by the scheduler: nothing sleeps or polls.
// Single-threaded.
#pragma once

#include <optional>
#include <string>

#include "core/auth/credentials.hpp"
#include "core/duration.hpp"
#include "core/messages.hpp"
#include "core/resources.hpp"
#include "core/rpc/tls_options.hpp"
#include "core/task_state.hpp"

namespace clusterctl::cmd {

struct CommandSchedulerOptions {
  std::string master = "127.0.0.1:5050";  // host:port, a comma list or zk://
  TlsClientOptions tls;                   // TLS towards the master when it has a CA
  std::string name;                       // the task's name
  CommandInfo command;
  Resources resources;
  std::string role = "*";
  std::string framework_name = "clusterctl-execute";
  std::string user;           // FrameworkInfo.user: the task runs as it; empty: the caller's user
  Duration kill_after{3000};  // the task's grace between SIGTERM and SIGKILL
  std::optional<Duration> timeout;  // give up when no offer fits within this; unset: never
  // Per master address; with ZooKeeper (or while standbys name no leader),
  // the time to find the leader before the first subscription.
  Duration connect_timeout{10000};
  bool handle_signals = true;    // SIGINT/SIGTERM kill the task (tests may turn this off)
  bool checkpoint = false;       // agents persist the task: it survives their restarts
  Duration failover_timeout{0};  // the master keeps the task this long if execute goes away
  std::optional<HealthCheckInfo> health_check;
  // Authenticates every connection to a master as this (--principal).
  std::optional<Credential> credential;
};

// Runs until the task reaches a terminal state (or execute gives up) and
// returns the exit code for `execute`: the task's own exit code when it ran
// (128+N when signal N ended it), otherwise 1 with the reason on stderr.
int run_command_scheduler(const CommandSchedulerOptions& options);

// Pure helpers, exposed for tests.

// Whether execute stops following its task in this state: the terminal states
// and also UNREACHABLE (the agent may return, but execute does not wait).
bool ends_execute(TaskState state);
// The exit code for a final status: its exit code when set (never 0 unless the
// task FINISHED), 0 for FINISHED, otherwise 1.
int exit_code_for(const TaskStatus& status);
// A task id prefix from a task name: characters outside [A-Za-z0-9_.-] become
// '-', at most 64 of them, "task" when nothing is left.
std::string task_id_prefix(const std::string& name);
// The line printed for a transition: "task ID is FAILED: REASON (MESSAGE)";
// fetch progress: "task ID is STAGING: fetching URI: 1.0 MB of 2.0 MB".
std::string describe_status(const TaskStatus& status);

}  // namespace clusterctl::cmd
