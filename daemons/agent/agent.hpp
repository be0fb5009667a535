// The agent daemon: registers its resources and attributes with the master,
// runs each task in its own executor process with a sandbox directory,
// forwards status updates in order, and kills tasks on request.
//
// Threading: an Agent lives on one io_context thread; every handler runs there
// (actor style). Blocking work (waiting on children, disk) is kept off it.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/duration.hpp"
#include "core/status.hpp"
#include "daemons/agent/container_options.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

struct AgentOptions {
  std::string master = "127.0.0.1:5050";  // host:port or a comma list
  std::string listen = "127.0.0.1:5051";
  std::string work_dir;         // required; sandboxes live below it
  std::string resources;        // empty: detect cpus, mem and disk of this machine
  std::string attributes;       // "rack:r1;zone:z"
  std::string hostname;         // empty: this machine's host name
  std::string executor_binary;  // empty: the running clusterctl binary
  Duration registration_backoff_max{5000};
  Duration executor_shutdown_grace{5000};
  ContainerOptions containers;  // isolation, fetcher, sandboxes
};

class Agent {
 public:
  virtual ~Agent() = default;
  // Validates options, detects resources and binds the port. Registration with
  // the master then happens in the background (retrying with backoff).
  static StatusOr<std::unique_ptr<Agent>> create(boost::asio::io_context& io, AgentOptions options);
  virtual std::string address() const = 0;
  // Kills every task (KILLED updates are sent if the master is reachable),
  // waits for the executors to exit (SIGKILL after executor_shutdown_grace),
  // closes connections and then calls `done`.
  virtual void shutdown(std::function<void()> done) = 0;
};

}  // namespace clusterctl
