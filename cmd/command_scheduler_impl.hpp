// CommandScheduler: the state behind run_command_scheduler, split over
// command_scheduler.cpp (connecting, subscribing, reconnecting, notifications)
// and command_scheduler_task.cpp (offers, the task's launch, its updates,
// signals and the kill). Private to cmd/; included only by those two files.
//
// Threading: everything runs on io_, the scheduler's only thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cmd/command_scheduler.hpp"
#include "core/asio.hpp"
#include "core/rpc/rpc.hpp"
#include "core/timer.hpp"

namespace clusterctl::cmd {

// Timing of execute, shared by both halves.
constexpr Duration kCallTimeout{10000};
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
  void connect(size_t index);
  RpcHandlers handlers();
  // The task is placed: get a master back and subscribe again as the same
  // framework, which the master keeps for its failover timeout.
  void reconnect(const std::string& why);
  void subscribe();
  void on_subscribed(StatusOr<RpcValue> reply);
  void on_notification(const RpcMessage& message);
  // A call whose answer only matters when it fails (and execute still runs).
  void call_and_log(const std::string& method, const Payload& params);

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
  std::vector<std::string> addresses_;
  std::string address_;
  std::string last_connect_error_ = "no address given";
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
  std::optional<bool> last_healthy_;
  Duration reconnect_backoff_{100};
  int exit_code_ = 1;
  Timer offer_timer_;
  Timer patience_timer_;
  Timer kill_timer_;
  Timer reconnect_timer_;
  Timer reconnect_deadline_;
  asio::signal_set signals_;
};

}  // namespace clusterctl::cmd
