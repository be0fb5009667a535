// MasterLink: the agent's connection to its master.
//
// Finds the master through a MasterLocator: "host:port", a comma list (tried
// in turn) or zk://... (the leader ZooKeeper names), and registers with
// "agent.register". A registration answered with not_leader goes straight to
// the leader the standby names (at most kMaxLeaderHops in a row). After a
// failed attempt or a lost connection it tries again after a jittered
// exponential backoff: a wait drawn within [b/2, b], b starting at 100 ms and
// doubling up to `backoff_max` (reset by a successful registration), so that
// thousands of agents that lost the same master do not all come back at once.
// When ZooKeeper names another leader than the master the link is on, it
// leaves that master and registers with the new leader after a random wait
// within [0, min(1s, backoff_max)] (at once for the first registration).
//
// The first registration has no agent id (unless one was recovered from a
// checkpoint); the id the master gives is kept for the life of the process
// and sent on every re-registration, together with the live tasks (asked for
// on each attempt).
//
// Threading: one io_context thread; callbacks run there.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/auth/credentials.hpp"
#include "core/backoff.hpp"
#include "core/messages.hpp"
#include "core/rpc/rpc.hpp"
#include "core/timer.hpp"
#include "core/zk/master_locator.hpp"

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

  // `masters` must pass check_master_address.
  MasterLink(boost::asio::io_context& io, const std::string& masters, Duration backoff_max,
             Callbacks callbacks);
  ~MasterLink();

  // The id of an agent that registered before (from its checkpoint): the
  // first registration then asks to be that agent again. Call before start().
  void set_agent_id(const std::string& agent_id) {
    agent_id_ = agent_id;
    registrations_ = 1;  // what follows re-registers
  }
  // Authenticate each connection to a master as this (the agent's --credential).
  void set_credential(std::optional<Credential> credential) { credential_ = std::move(credential); }
  // TLS towards the master (when it has a CA). Call before start().
  void set_tls(TlsClientOptions tls) { tls_ = std::move(tls); }
  void start();
  // Closes the connection and stops trying.
  void stop();

  const std::string& agent_id() const { return agent_id_; }
  // The master address as given, without a ZooKeeper password.
  const std::string& masters() const { return locator_.description(); }
  bool registered() const { return registered_; }
  // The registered connection, or null.
  RpcConnectionPtr connection() const { return registered_ ? connection_ : nullptr; }

 private:
  void connect();
  void connected(uint64_t attempt, StatusOr<RpcConnectionPtr> connection);
  void authenticated(uint64_t attempt, const RpcConnectionPtr& connection, const Status& status);
  void answered(uint64_t attempt, StatusOr<RpcValue> reply);
  void closed(const RpcConnectionPtr& connection, const Status& why);
  // ZooKeeper names another leader (or none).
  void leader_changed(const std::optional<std::string>& leader);
  // Drops the current attempt or connection (on_lost if it was registered).
  void abandon(const std::string& why);
  // Abandons and schedules the next attempt after the backoff.
  void retry(const std::string& why);

  boost::asio::io_context& io_;
  MasterLocator locator_;
  Duration backoff_max_;
  Backoff backoff_;
  Callbacks callbacks_;
  TlsClientOptions tls_;
  Timer retry_timer_;
  RpcConnectionPtr connection_;
  std::string target_;  // the master of the current attempt or connection ("" none)
  std::string agent_id_;
  std::optional<Credential> credential_;
  uint64_t attempt_ = 0;  // stale connect and register answers are ignored
  bool registered_ = false;
  bool waiting_for_leader_ = false;
  int registrations_ = 0;
  bool stopped_ = true;
};

}  // namespace clusterctl
