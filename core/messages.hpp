// The payloads exchanged between frameworks, the master, agents and
// executors, and stored on disk. Every struct is a msgpack map with stable
// string keys (MSGPACK_DEFINE_MAP): fields may be added, never renamed.
// The method names and who calls them are listed in docs/PROTOCOL.md.
// Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "core/resources.hpp"
#include "core/resources_msgpack.hpp"
#include "core/task_state.hpp"
#include "core/task_state_msgpack.hpp"

namespace clusterctl {

using Attributes = std::map<std::string, std::string>;

// What an agent tells the master about itself (agent.register).
struct AgentInfo {
  std::string id;  // empty on first registration; kept on re-registration
  std::string hostname;
  std::string address;  // host:port the agent serves RPC and HTTP on
  Resources resources;  // total
  Attributes attributes;
  // Who the agent proved to be when it registered (empty: it did not); set
  // by the master from the connection, never taken from the agent's call.
  // Only this principal may register again under the id.
  std::string principal;
  bool operator==(const AgentInfo& other) const = default;
  MSGPACK_DEFINE_MAP(id, hostname, address, resources, attributes, principal);
};

struct FrameworkInfo {
  std::string id;  // empty on first subscription
  std::string name;
  std::vector<std::string> roles;  // default {"*"}
  std::string user;
  std::string hostname;
  bool partition_aware = false;  // UNREACHABLE instead of LOST for lost agents
  // Agents persist this framework's tasks and status updates, so that its
  // tasks survive an agent restart.
  bool checkpoint = false;
  // How long the master keeps the framework and its tasks after its scheduler
  // disconnects, waiting for it to subscribe again with this id (0: tear down
  // at once).
  double failover_timeout = 0;  // seconds
  // Who subscribed the framework (empty: nobody authenticated); set by the
  // master from the connection, never taken from the scheduler's call. Only
  // this principal may subscribe again under the id (failover).
  std::string principal;
  bool operator==(const FrameworkInfo& other) const = default;
  MSGPACK_DEFINE_MAP(id, name, roles, user, hostname, partition_aware, checkpoint, failover_timeout,
                     principal);
};

// An artifact the agent fetches into the sandbox before the task starts
// (`execute --uri`, see fetcher/uri_spec.hpp).
struct UriInfo {
  std::string value;  // http(s)://..., file:///..., or an absolute path
  bool executable = false;
  bool extract = true;      // archives are unpacked into the sandbox
  bool cache = false;       // through the agent's fetcher cache
  std::string sha256;       // hex; empty: not checked
  std::string output_file;  // name in the sandbox; empty: from the URI
  MSGPACK_DEFINE_MAP(value, executable, extract, cache, sha256, output_file);
};

struct CommandInfo {
  std::string value;                   // the shell command, or the program with shell=false
  bool shell = true;                   // run through /bin/sh -c
  std::vector<std::string> arguments;  // argv[1..] when shell=false
  std::map<std::string, std::string> environment;
  std::vector<UriInfo> uris;
  std::map<std::string, std::string> rlimits;  // "nofile" -> "1024:4096" (core/rlimits.hpp)
  MSGPACK_DEFINE_MAP(value, shell, arguments, environment, uris, rlimits);
};

// A task's health check, run by its executor (daemons/executor/health_check.*).
struct HealthCheckInfo {
  std::string type;          // "command", "http" or "tcp"
  std::string command;       // command: run by /bin/sh -c in the sandbox; healthy if it exits 0
  uint32_t port = 0;         // http, tcp: checked on 127.0.0.1:port
  std::string path = "/";    // http: healthy on a 2xx or 3xx answer to GET path
  int64_t delay_millis = 0;  // before the first check
  int64_t interval_millis = 10000;
  int64_t timeout_millis = 20000;       // a check that takes longer fails
  int64_t grace_period_millis = 10000;  // failures after start-up do not count until then...
  uint32_t consecutive_failures = 3;    // ...and this many in a row kill the task
  MSGPACK_DEFINE_MAP(type, command, port, path, delay_millis, interval_millis, timeout_millis,
                     grace_period_millis, consecutive_failures);
};

struct TaskInfo {
  std::string task_id;
  std::string name;
  std::string agent_id;
  std::string role = "*";
  Resources resources;
  CommandInfo command;
  int64_t kill_grace_millis = 3000;  // SIGTERM, then SIGKILL after this
  std::optional<HealthCheckInfo> health_check;
  // The OS user the task runs as on an agent that switches users (empty: the
  // framework's FrameworkInfo.user).
  std::string user;
  MSGPACK_DEFINE_MAP(task_id, name, agent_id, role, resources, command, kill_grace_millis,
                     health_check, user);
};

// A status update for one task. state travels as its name ("RUNNING"); an
// unknown name makes the whole message malformed.
struct TaskStatus {
  std::string task_id;
  std::string framework_id;
  std::string agent_id;
  std::string executor_id;
  TaskState state = TaskState::kStaging;
  std::string reason;   // short, machine-friendly ("command exited non-zero", "agent lost")
  std::string message;  // for people
  std::optional<int32_t> exit_code;  // set when the task's process ended (128+N for signal N)
  double timestamp = 0;              // seconds since the epoch
  // Names this update for acknowledgements. Empty on answers to
  // reconciliation, which need none.
  std::string uuid;
  std::optional<bool> healthy;  // set when the task has a health check with a result
  MSGPACK_DEFINE_MAP(task_id, framework_id, agent_id, executor_id, state, reason, message,
                     exit_code, timestamp, uuid, healthy);
};

struct Offer {
  std::string id;
  std::string framework_id;
  std::string agent_id;
  std::string hostname;
  std::string role = "*";  // the role the resources are allocated to
  Resources resources;
  Attributes attributes;
  MSGPACK_DEFINE_MAP(id, framework_id, agent_id, hostname, role, resources, attributes);
};

struct Filters {
  double refuse_seconds = 5.0;
  MSGPACK_DEFINE_MAP(refuse_seconds);
};

// An operation on offered resources, applied before the tasks of an accept
// are launched: "reserve" turns unreserved resources into ones reserved for
// the role they name ("cpus(ops):1"); "unreserve" turns dynamically reserved
// ones back. Reservations are kept in the master's registry.
struct OfferOperation {
  std::string type;
  Resources resources;
  MSGPACK_DEFINE_MAP(type, resources);
};

// framework.accept: launch tasks on the resources of offers on one agent.
struct AcceptCall {
  std::string framework_id;
  std::vector<std::string> offer_ids;
  std::vector<TaskInfo> tasks;
  Filters filters;  // for what is left unused
  std::vector<OfferOperation> operations = {};
  MSGPACK_DEFINE_MAP(framework_id, offer_ids, tasks, filters, operations);
};

struct DeclineCall {
  std::string framework_id;
  std::vector<std::string> offer_ids;
  Filters filters;
  MSGPACK_DEFINE_MAP(framework_id, offer_ids, filters);
};

struct KillCall {
  std::string framework_id;
  std::string task_id;
  MSGPACK_DEFINE_MAP(framework_id, task_id);
};

// framework.acknowledge: the framework has the update `uuid` of a task. The
// master relays it to the agent (agent.acknowledge), whose status update
// manager then sends the task's next update.
struct AcknowledgeCall {
  std::string framework_id;
  std::string agent_id;
  std::string task_id;
  std::string uuid;
  MSGPACK_DEFINE_MAP(framework_id, agent_id, task_id, uuid);
};

// framework.reconcile: the latest state of these tasks (none listed: of every
// live task of the framework) arrives as framework.update notifications.
struct ReconcileTask {
  std::string task_id;
  std::string agent_id;  // optional
  MSGPACK_DEFINE_MAP(task_id, agent_id);
};

struct ReconcileCall {
  std::string framework_id;
  std::vector<ReconcileTask> tasks;
  MSGPACK_DEFINE_MAP(framework_id, tasks);
};

// master -> agent: run a task in a new executor.
struct RunTaskCall {
  std::string framework_id;
  std::string framework_name;
  std::string executor_id;
  TaskInfo task;
  bool checkpoint = false;     // the framework's FrameworkInfo.checkpoint
  std::string framework_user;  // the framework's FrameworkInfo.user (task.user wins if set)
  MSGPACK_DEFINE_MAP(framework_id, framework_name, executor_id, task, checkpoint, framework_user);
};

// agent -> master (re-registration): what runs there now.
struct AgentTask {
  std::string framework_id;
  TaskInfo task;
  TaskState state = TaskState::kRunning;
  MSGPACK_DEFINE_MAP(framework_id, task, state);
};

struct RegisterAgentCall {
  AgentInfo agent;
  std::vector<AgentTask> tasks;
  MSGPACK_DEFINE_MAP(agent, tasks);
};

struct RegisterAgentReply {
  std::string agent_id;
  int64_t ping_interval_millis = 0;
  MSGPACK_DEFINE_MAP(agent_id, ping_interval_millis);
};

struct SubscribeReply {
  std::string framework_id;
  MSGPACK_DEFINE_MAP(framework_id);
};

// executor -> agent: the executor is up and asks for its task. `secret` is the
// token the agent gave this executor in CLUSTERCTL_EXECUTOR_SECRET: it proves
// the caller is the process the agent started.
struct RegisterExecutorCall {
  std::string framework_id;
  std::string executor_id;
  std::string container_id;
  int32_t pid = 0;
  std::string secret;
  MSGPACK_DEFINE_MAP(framework_id, executor_id, container_id, pid, secret);
};

struct RegisterExecutorReply {
  TaskInfo task;
  std::string sandbox;
  uint64_t log_max_bytes = 0;  // rotate stdout/stderr past this size; 0: never
  uint32_t log_keep = 0;       // rotated files kept (stdout.1 ... stdout.N)
  MSGPACK_DEFINE_MAP(task, sandbox, log_max_bytes, log_keep);
};

struct KillTaskCall {
  std::string framework_id;
  std::string task_id;
  int64_t grace_millis = -1;  // -1: the task's own kill_grace_millis
  MSGPACK_DEFINE_MAP(framework_id, task_id, grace_millis);
};

// agent.status_update, executor.status_update, framework.update (notification).
struct StatusUpdateCall {
  TaskStatus status;
  MSGPACK_DEFINE_MAP(status);
};

// framework.offers (notification, master -> framework).
struct OffersNotice {
  std::vector<Offer> offers;
  MSGPACK_DEFINE_MAP(offers);
};

// framework.rescind (notification): the offer is gone; do not use it.
struct RescindNotice {
  std::string offer_id;
  std::string reason;
  MSGPACK_DEFINE_MAP(offer_id, reason);
};

// framework.suppress / framework.revive.
struct FrameworkCall {
  std::string framework_id;
  std::vector<std::string> roles = {};  // empty: all of the framework's roles
  MSGPACK_DEFINE_MAP(framework_id, roles);
};

}  // namespace clusterctl
