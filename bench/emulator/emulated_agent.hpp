// EmulatedAgent: one agent of the emulator, speaking the real protocol to the
// master over its own connection, and running nothing.
//
// It connects, registers (agent.register with its fixed id, hostname,
// resources and attributes, and its live tasks), answers the master's calls
// (agent.ping, agent.run_task, agent.kill_task, agent.acknowledge; tasks are
// EmulatedTasks'), and when its connection drops, or a master answers
// not_leader, it registers again: with the leader a not_leader error names,
// else with the next address of the list. Attempts are spaced by a jittered
// exponential backoff (a random delay up to a limit that starts at
// backoff_min and doubles up to backoff_max, reset by a registration), so
// that thousands of agents losing their master at once do not come back in
// lockstep.
//
// Threading: one io_context thread; callbacks run there.
#pragma once

#include <memory>
#include <string>

#include "bench/emulator/emulated_tasks.hpp"
#include "bench/emulator/fleet.hpp"
#include "core/messages.hpp"
#include "core/rpc/rpc.hpp"
#include "core/timer.hpp"

namespace clusterctl::emulator {

struct AgentSettings {
  Resources resources;
  Attributes attributes;
  bool finish_tasks = true;  // STARTING, RUNNING, FINISHED; else RUNNING until killed
  Duration connect_timeout{5000};
  Duration register_timeout{10000};
  Duration backoff_min{100};
  Duration backoff_max{5000};
};

class EmulatedAgent {
 public:
  EmulatedAgent(boost::asio::io_context& io, Fleet& fleet, const AgentSettings& settings,
                std::string id);
  ~EmulatedAgent();
  EmulatedAgent(const EmulatedAgent&) = delete;
  EmulatedAgent& operator=(const EmulatedAgent&) = delete;

  void start();
  // Closes the connection and stops trying (callbacks may still run, and
  // do nothing). Call before destroying.
  void stop();

 private:
  void connect();
  void connected(uint64_t attempt, const std::string& master,
                 StatusOr<RpcConnectionPtr> connection);
  void answered(uint64_t attempt, StatusOr<RpcValue> reply);
  void closed(const RpcConnectionPtr& connection, const Status& why);
  void not_leader(const Status& error);
  // Drops the connection (if any) and schedules the next attempt.
  // A redirect (not_leader) right after a failure that was not one does not
  // double the backoff: following the leader is not a failure.
  void retry(const Status& why, bool redirect = false);
  void on_request(const RpcConnectionPtr& connection, const RpcMessage& message,
                  RpcResponder responder);
  RegisterAgentCall registration() const;

  boost::asio::io_context& io_;
  Fleet& fleet_;
  const AgentSettings& settings_;
  std::string id_;
  EmulatedTasks tasks_;
  Timer retry_timer_;
  RpcConnectionPtr connection_;
  size_t next_master_ = 0;
  std::string leader_hint_;  // from the latest not_leader; tried next
  Duration backoff_;
  int redirects_in_a_row_ = 0;
  uint64_t attempt_ = 0;  // answers to older attempts are ignored
  bool registered_ = false;
  bool stopped_ = true;
};

}  // namespace clusterctl::emulator
