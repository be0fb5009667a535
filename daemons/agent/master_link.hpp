// MasterLink: the agent's connection to its master.
//
// Connects to the master addresses ("host:port" or a comma list) in turn and
// registers with "agent.register". After a failed attempt or a lost
// connection it tries again, the next address first, after a backoff that
// starts at 100 ms and doubles up to `backoff_max` (reset by a successful
// registration). The first registration has no agent id (unless one was
// recovered from a checkpoint); the id the master gives is kept for the life
// of the process and sent on every re-registration, together with the live
// tasks (asked for on each attempt).
//
// Threading: one io_context thread; callbacks run there.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/messages.hpp"
#include "core/rpc/rpc.hpp"
#include "core/timer.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

class MasterLink {
 public:
  struct Callbacks {
    // What to register with; its agent.id is filled in by the link.
    std::function<RegisterAgentCall()> registration;
    // A request from the master (agent.ping, agent.run_task, ...).
    std::function<void(const RpcConnectionPtr&, const RpcMessage&, RpcResponder)> on_request;
    // Registered (again) on `master`.
    std::function<void(const RpcConnectionPtr& master)> on_registered;
    // The registered connection is gone; a new attempt is scheduled.
    std::function<void()> on_lost;
  };

  MasterLink(boost::asio::io_context& io, const std::string& masters, Duration backoff_max,
             Callbacks callbacks);
  ~MasterLink();

  // The id of an agent that registered before (from its checkpoint): the
  // first registration then asks to be that agent again. Call before start().
  void set_agent_id(const std::string& agent_id) {
    agent_id_ = agent_id;
    registrations_ = 1;  // what follows re-registers
  }
  void start();
  // Closes the connection and stops trying.
  void stop();

  const std::string& agent_id() const { return agent_id_; }
  bool registered() const { return registered_; }
  // The registered connection, or null.
  RpcConnectionPtr connection() const { return registered_ ? connection_ : nullptr; }

 private:
  void connect();
  void connected(uint64_t attempt, StatusOr<RpcConnectionPtr> connection);
  void answered(uint64_t attempt, StatusOr<RpcValue> reply);
  void closed(const RpcConnectionPtr& connection, const Status& why);
  // Drops the current connection (if any) and schedules the next attempt.
  void retry(const std::string& why);

  boost::asio::io_context& io_;
  std::vector<std::string> masters_;
  size_t next_master_ = 0;
  Duration backoff_max_;
  Duration backoff_;
  Callbacks callbacks_;
  Timer retry_timer_;
  RpcConnectionPtr connection_;
  std::string agent_id_;
  uint64_t attempt_ = 0;  // stale connect and register answers are ignored
  bool registered_ = false;
  int registrations_ = 0;
  bool stopped_ = false;
};

}  // namespace clusterctl
