// CommandScheduler: the state behind run_command_scheduler, split over
// command_scheduler.cpp (subscribing, notifications),
// command_scheduler_master.cpp (finding the leading master, following
// not_leader and ZooKeeper, reconnecting) and command_scheduler_task.cpp
// (offers, the task's launch, its updates, signals and the kill). Private to
// cmd/; included only by those files.
//
// Threading: everything runs on io_, the scheduler's only thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cmd/command_scheduler.hpp"
#include "core/asio.hpp"
#include "core/backoff.hpp"
#include "core/rpc/rpc.hpp"
#include "core/timer.hpp"
#include "core/zk/master_locator.hpp"

namespace clusterctl::cmd {

// Timing of execute, shared by its parts.
constexpr Duration kCallTimeout{10000};
// How long execute tries to get its master back, at least.
constexpr Duration kMinReconnectTime{30000};
// Waits between attempts to reach a master (jittered, doubling).
constexpr Duration kMinReconnectBackoff{100};
constexpr Duration kMaxReconnectBackoff{2000};
// How long to wait for a fitting offer before saying that execute is waiting.
constexpr Duration kPatience{2000};
// What execute cannot use it declines for long: a filter hides only offers
// no larger than the declined one, so an agent that frees more shows again.
constexpr double kRefuseSeconds = 3600;

class CommandScheduler {
 public:
  explicit CommandScheduler(CommandSchedulerOptions options);
  ~CommandScheduler();
  // Runs until the task ends or execute gives up; execute's exit code.
  int run();

 private:
  enum class Phase { kConnecting, kSubscribing, kWaiting, kAccepting, kPlaced };

  // command_scheduler.cpp
  void say(const std::string& line);
  // Ends execute with `code`, saying `message` first if there is one.
  void finish(int code, const std::string& message);
  RpcHandlers handlers();
  void subscribe();
  void on_subscribed(StatusOr<RpcValue> reply);
  void on_notification(const RpcMessage& message);
  // A call whose answer only matters when it fails (and execute still runs).
  void call_and_log(const std::string& method, const Payload& params);

  // command_scheduler_master.cpp
  // Connects to the next master the locator names (none yet: waits for
  // ZooKeeper to name one).
  void connect_next();
  void authenticate(const RpcConnectionPtr& connection, uint64_t attempt);
  void on_connect_failed();
  // Closes the connection without treating it as lost.
  void drop_connection(const std::string& why);
  // Whether a lost master is worth getting back: execute subscribed and
  // waits for offers, or its task is placed. It then subscribes again as the
  // same framework, which the master keeps for its failover timeout.
  bool can_reconnect() const;
  void reconnect(const std::string& why);
  // Until the first subscription: give up when no master answers as the
  // leader within the connect timeout.
  void start_find_deadline();
  // A standby answered the subscription: go to the leader it names, or back off.
  void on_not_leader(const std::string& leader);
  // ZooKeeper names another leading master (or none).
  void on_leader(const std::optional<std::string>& leader);

  // command_scheduler_task.cpp
  bool looking() const { return phase_ == Phase::kSubscribing || phase_ == Phase::kWaiting; }
  void on_offers(const OffersNotice& notice);
  void say_waiting();
  void on_offer_timeout();
  // `resources`: what the task takes from the offer (pick_resources).
  void accept(const Offer& offer, const Resources& resources);
  void on_accepted(StatusOr<RpcValue> reply);
  void placed();
  void on_update(const TaskStatus& status);
  // Every update with a uuid is acknowledged; `then` runs once that is done.
  void acknowledge(const TaskStatus& status, std::function<void()> then);
  void wait_for_signal();
  void on_signal();
  void kill_task();

  asio::io_context io_;  // first member: destroyed last
  CommandSchedulerOptions options_;
  MasterLocator locator_;
  std::string target_;   // the master being connected to or subscribed with
  std::string address_;  // the master connected to
  std::string last_connect_error_ = "no address given";
  uint64_t attempt_ = 0;         // answers to abandoned connects are dropped
  size_t initial_attempts_ = 0;  // addresses tried before the first subscription
  RpcConnectionPtr connection_;
  std::string framework_id_;
  std::string task_id_;
  std::string agent_id_;
  std::string agent_host_;
  std::optional<TaskState> last_state_;
  Phase phase_ = Phase::kConnecting;
  bool done_ = false;
  bool waiting_said_ = false;
  bool interrupted_ = false;
  bool kill_sent_ = false;
  bool offer_timeout_expired_ = false;
  bool reconnecting_ = false;
  bool ending_ = false;  // the final update is being acknowledged
  bool waiting_for_leader_ = false;
  std::optional<bool> last_healthy_;
  Backoff backoff_;
  int exit_code_ = 1;
  Timer offer_timer_;
  Timer patience_timer_;
  Timer kill_timer_;
  Timer reconnect_timer_;
  Timer reconnect_deadline_;
  Timer find_deadline_;
  asio::signal_set signals_;
};

}  // namespace clusterctl::cmd
