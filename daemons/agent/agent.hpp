// The agent daemon: registers its resources and attributes with the master,
// runs each task in its own executor process in a container (isolator
// plugins) with a sandbox directory its artifacts are fetched into, delivers
// status updates reliably, reports usage, and kills tasks on request. For
// frameworks that ask for checkpointing it persists its tasks under
// WORK_DIR/meta, so that a restarted agent recovers them without killing them.
//
// Threading: an Agent lives on one io_context thread; every handler runs there
// (actor style). Blocking work (waiting on children, disk) is kept off it.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/duration.hpp"
#include "core/rpc/server_options.hpp"
#include "core/status.hpp"
#include "daemons/agent/container_options.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

struct AgentOptions {
  std::string master = "127.0.0.1:5050";  // host:port, a comma list or zk://host:port/path
  std::string listen = "127.0.0.1:5051";
  std::string work_dir;         // required; sandboxes live below it
  std::string resources;        // empty: detect cpus, mem and disk of this machine
  std::string attributes;       // "rack:r1;zone:z"
  std::string hostname;         // empty: this machine's host name
  std::string executor_binary;  // empty: the running clusterctl binary
  Duration registration_backoff_max{5000};
  Duration executor_shutdown_grace{5000};
  ContainerOptions containers;  // isolation, fetcher, sandboxes
  // What one peer may cost the agent's port (server_name is set by the agent).
  RpcServerOptions server;
  // On restart: "reconnect" re-attaches to the executors left running,
  // "cleanup" kills them (their tasks end KILLED) and starts with none.
  std::string recover = "reconnect";
  // On restart with other resources or attributes than checkpointed: "equal"
  // refuses to start, "additive" accepts growth.
  std::string reconfiguration_policy = "equal";
  // How long executors of checkpointing frameworks wait for a restarted agent
  // before they kill their task.
  Duration recovery_timeout{15 * 60 * 1000};
  // How long a restarted agent waits for the executors it recovered to
  // reconnect before it kills them.
  Duration executor_reregister_timeout{5000};
  // Unacknowledged status updates are sent again after this, doubling up to max.
  Duration status_update_retry_min{1000};
  Duration status_update_retry_max{30000};
  // When the agent runs as root: tasks and their executors run as the task's
  // user (TaskInfo.user, else FrameworkInfo.user) and their sandbox belongs
  // to it. false: they run as the agent's user.
  bool switch_user = true;
  // Variables added to every executor's (and task's) environment: a JSON
  // object of strings, '{"JAVA_HOME": "/opt/jdk"}'. Empty: none.
  std::string executor_environment;
};

class Agent {
 public:
  virtual ~Agent() = default;
  // Validates options, detects resources and binds the port. Registration with
  // the master then happens in the background (retrying with backoff).
  static StatusOr<std::unique_ptr<Agent>> create(boost::asio::io_context& io, AgentOptions options);
  virtual std::string address() const = 0;
  // Kills every task of frameworks that do not checkpoint (KILLED updates are
  // sent if the master is reachable) and waits for their executors to exit
  // (SIGKILL after executor_shutdown_grace); executors of checkpointing
  // frameworks keep running for the next agent to recover. Then closes
  // connections and calls `done`.
  virtual void shutdown(std::function<void()> done) = 0;
};

}  // namespace clusterctl
