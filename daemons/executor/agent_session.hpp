// AgentSession: the command executor's link to its agent.
//
// Connects to the agent, registers (executor.register) and sends the task's
// status updates one at a time, in order; each is kept until the agent has
// answered it, which it does once the update is safe. An update the agent
// does not answer in time is sent again (the agent takes it once).
//
// When the connection drops, an executor of a checkpointing framework keeps
// its task and reconnects: to the address in the agent's address file (a
// restarted agent may listen elsewhere), after a backoff from 100 ms doubling
// up to 1 s, re-registers and sends again every update not answered yet; it
// gives up after recovery_timeout without an agent. Without checkpointing, or
// once it gives up, or when the agent refuses the executor, the session is
// lost.
//
// Threading: one io_context thread; callbacks run there.
#pragma once

#include <deque>
#include <functional>
#include <string>

#include "core/duration.hpp"
#include "core/messages.hpp"
#include "core/rpc/rpc.hpp"
#include "core/timer.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

struct AgentSessionOptions {
  std::string agent;               // host:port of the agent that started the executor
  std::string agent_address_file;  // read before each reconnection; empty: always `agent`
  bool checkpoint = false;         // reconnect when the agent goes away
  Duration recovery_timeout{15 * 60 * 1000};
  RegisterExecutorCall identity;
  TlsClientOptions tls;  // TLS towards the agent when it has a CA
};

class AgentSession {
 public:
  struct Callbacks {
    // Registered, and again after every reconnection.
    std::function<void(const RegisterExecutorReply&)> registered;
    // A request from the agent (executor.kill_task).
    std::function<void(const RpcMessage&, RpcResponder)> on_request;
    // The agent is gone for good, or refused the executor.
    std::function<void(const Status& why)> lost;
    // The agent has taken the task's terminal update.
    std::function<void()> terminal_taken;
  };

  AgentSession(boost::asio::io_context& io, AgentSessionOptions options, Callbacks callbacks);
  ~AgentSession();

  void start();
  // Queues an update; it leaves after those queued before it.
  void send(TaskStatus status);
  // Closes the connection and stops trying.
  void close();

 private:
  void connect();
  void connected(uint64_t attempt, StatusOr<RpcConnectionPtr> connection);
  void registered(uint64_t attempt, StatusOr<RpcValue> reply);
  void closed(const RpcConnectionPtr& connection, const Status& why);
  void connection_failed(const std::string& why);
  void send_next();
  void answered(uint64_t attempt, StatusOr<RpcValue> reply);
  std::string agent_address() const;

  boost::asio::io_context& io_;
  AgentSessionOptions options_;
  Callbacks callbacks_;
  RpcConnectionPtr connection_;
  uint64_t attempt_ = 0;  // answers from older connections are ignored
  bool registered_ = false;
  bool closed_ = false;
  std::deque<TaskStatus> updates_;  // not answered yet, oldest first
  bool in_flight_ = false;
  Duration backoff_;
  Timer retry_timer_;
  Timer recovery_timer_;  // running while the agent is away
};

}  // namespace clusterctl
