#include "cmd/command_scheduler.hpp"

#include <pwd.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <vector>

#include "cmd/flags.hpp"
#include "core/asio.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/rpc/rpc.hpp"
#include "core/timer.hpp"

namespace clusterctl::cmd {

namespace {

constexpr Duration kCallTimeout{10000};
// How long to wait for a fitting offer before saying that execute is waiting.
constexpr Duration kPatience{2000};
// Extra time, after the kill grace period, for the KILLED update to arrive.
constexpr Duration kKillConfirmSlack{5000};
// What execute cannot use it declines for long: a filter hides only offers
// no larger than the declined one, so an agent that frees more shows again.
constexpr double kRefuseSeconds = 3600;
// How long execute tries to get its master back, at least.
constexpr Duration kMinReconnectTime{30000};
constexpr Duration kMaxReconnectBackoff{2000};

std::string current_user() {
  const char* user = std::getenv("USER");
  if (user != nullptr && *user != '\0') return user;
  struct passwd* entry = ::getpwuid(::geteuid());
  return entry != nullptr ? entry->pw_name : "unknown";
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

// The "message" of a framework.error notification, or the whole payload.
std::string error_text(const RpcValue& params) {
  const msgpack::object& object = params.object;
  if (object.type == msgpack::type::MAP) {
    for (uint32_t i = 0; i < object.via.map.size; ++i) {
      const msgpack::object_kv& entry = object.via.map.ptr[i];
      if (entry.key.type == msgpack::type::STR && entry.key.as<std::string>() == "message" &&
          entry.val.type == msgpack::type::STR) {
        return entry.val.as<std::string>();
      }
    }
  }
  return "(no message)";
}

class CommandScheduler {
 public:
  explicit CommandScheduler(CommandSchedulerOptions options)
      : options_(std::move(options)),
        addresses_(split_address_list(options_.master)),
        offer_timer_(io_),
        patience_timer_(io_),
        kill_timer_(io_),
        reconnect_timer_(io_),
        reconnect_deadline_(io_),
        signals_(io_) {}

  ~CommandScheduler() {
    done_ = true;
    if (connection_) connection_->close("execute exiting");
  }

  int run() {
    if (options_.handle_signals) {
      signals_.add(SIGINT);
      signals_.add(SIGTERM);
      wait_for_signal();
    }
    connect(0);
    io_.run();
    if (!done_) say("internal error: the event loop ended before the task did");
    return done_ ? exit_code_ : 1;
  }

 private:
  enum class Phase { kConnecting, kSubscribing, kWaiting, kAccepting, kPlaced };

  void say(const std::string& line) { print_line("execute: " + line); }

  // Ends execute with `code`, saying `message` first if there is one.
  void finish(int code, const std::string& message) {
    if (done_) return;
    done_ = true;
    exit_code_ = code;
    if (!message.empty()) say(message);
    offer_timer_.cancel();
    patience_timer_.cancel();
    kill_timer_.cancel();
    reconnect_timer_.cancel();
    reconnect_deadline_.cancel();
    boost::system::error_code ignored;
    signals_.cancel(ignored);
    if (connection_) connection_->close("execute finished");
    io_.stop();
  }

  void connect(size_t index) {
    if (index >= addresses_.size() && reconnecting_) {
      reconnect_timer_.start(reconnect_backoff_, [this] { connect(0); });
      reconnect_backoff_ = std::min(reconnect_backoff_ * 2, kMaxReconnectBackoff);
      return;
    }
    if (index >= addresses_.size()) {
      finish(1, "cannot reach master at " + options_.master + ": " + last_connect_error_ +
                    " (is it running? set --master or CLUSTERCTL_MASTER)");
      return;
    }
    rpc_connect(io_, addresses_[index], handlers(), options_.connect_timeout,
                [this, index](StatusOr<RpcConnectionPtr> connection) {
                  if (done_) {
                    if (connection) (*connection)->close("execute finished");
                    return;
                  }
                  if (!connection) {
                    last_connect_error_ = connect_error_reason(connection.status());
                    connect(index + 1);
                    return;
                  }
                  connection_ = *connection;
                  address_ = addresses_[index];
                  subscribe();
                });
  }

  RpcHandlers handlers() {
    RpcHandlers handlers;
    handlers.on_request = [](const RpcConnectionPtr&, const RpcMessage& message,
                             RpcResponder responder) {
      responder.fail(Status::invalid("execute does not serve " + message.method));
    };
    handlers.on_notification = [this](const RpcConnectionPtr&, const RpcMessage& message) {
      if (!done_) on_notification(message);
    };
    handlers.on_close = [this](const RpcConnectionPtr& connection, const Status& why) {
      if (done_ || connection != connection_) return;
      if (phase_ == Phase::kPlaced) {
        reconnect(why.message());
      } else {
        finish(1, "lost the connection to the master at " + address_ + ": " + why.message());
      }
    };
    return handlers;
  }

  // The task is placed: get a master back and subscribe again as the same
  // framework, which the master keeps for its failover timeout.
  void reconnect(const std::string& why) {
    connection_.reset();
    reconnecting_ = true;
    reconnect_backoff_ = Duration(100);
    Duration patience = std::max(options_.failover_timeout, kMinReconnectTime);
    say("lost the connection to the master at " + address_ + " (" + why +
        "); reconnecting for up to " + format_duration(patience));
    if (!reconnect_deadline_.pending()) {
      reconnect_deadline_.start(patience, [this, patience] {
        finish(1, "could not get back to the master within " + format_duration(patience) +
                      "; task " + task_id_ + " may still run (see 'clusterctl tasks')");
      });
    }
    reconnect_timer_.start(reconnect_backoff_, [this] { connect(0); });
  }

  void subscribe() {
    if (!reconnecting_) phase_ = Phase::kSubscribing;
    FrameworkInfo info;
    info.name = options_.framework_name;
    info.roles = {options_.role};
    info.user = current_user();
    info.hostname = host_name();
    info.id = framework_id_;  // empty the first time
    info.checkpoint = options_.checkpoint;
    info.failover_timeout = static_cast<double>(options_.failover_timeout.count()) / 1000.0;
    connection_->call("framework.subscribe", pack_payload(info), kCallTimeout,
                      [this](StatusOr<RpcValue> reply) { on_subscribed(std::move(reply)); });
  }

  void on_subscribed(StatusOr<RpcValue> reply) {
    if (done_) return;
    if (!reply && reconnecting_ && reply.status().kind() == ErrorKind::kUnavailable) {
      return;  // the connection closed again: on_close goes on reconnecting
    }
    if (!reply) {
      finish(1, "the master at " + address_ +
                    " refused the subscription: " + reply.status().message());
      return;
    }
    StatusOr<SubscribeReply> subscribed = reply->as<SubscribeReply>("subscribe reply");
    if (!subscribed) {
      finish(1, subscribed.status().message());
      return;
    }
    framework_id_ = subscribed->framework_id;
    if (reconnecting_) {
      reconnecting_ = false;
      reconnect_deadline_.cancel();
      say("reconnected to the master at " + address_ + " as framework " + framework_id_);
      if (interrupted_ && !kill_sent_) kill_task();
      return;
    }
    LOG(kInfo) << "subscribed to " << address_ << " as framework " << framework_id_;
    if (phase_ != Phase::kSubscribing) return;  // an offer came first and is being accepted
    phase_ = Phase::kWaiting;
    if (options_.timeout) offer_timer_.start(*options_.timeout, [this] { on_offer_timeout(); });
    patience_timer_.start(kPatience, [this] { say_waiting(); });
  }

  void on_notification(const RpcMessage& message) {
    LOG(kDebug) << "notification " << message.method;
    if (message.method == "framework.offers") {
      if (auto notice = message.params.as<OffersNotice>("offers")) on_offers(*notice);
    } else if (message.method == "framework.rescind") {
      if (auto notice = message.params.as<RescindNotice>("rescind")) {
        LOG(kDebug) << "offer " << notice->offer_id << " rescinded: " << notice->reason;
      }
    } else if (message.method == "framework.update") {
      if (auto update = message.params.as<StatusUpdateCall>("status update")) {
        on_update(update->status);
      }
    } else if (message.method == "framework.error") {
      finish(1, "the master reported an error: " + error_text(message.params));
    }
  }

  // A call whose answer only matters when it fails (and execute still runs).
  void call_and_log(const std::string& method, const Payload& params) {
    if (!connection_) return;
    connection_->call(method, params, kCallTimeout, [this, method](StatusOr<RpcValue> reply) {
      if (!reply && !done_) LOG(kWarning) << method << ": " << reply.status().message();
    });
  }

  bool looking() const { return phase_ == Phase::kSubscribing || phase_ == Phase::kWaiting; }

  // Offers are not kept: each is accepted or declined as soon as it arrives,
  // so a rescinded offer needs no bookkeeping.
  void on_offers(const OffersNotice& notice) {
    std::vector<std::string> declined;
    for (const Offer& offer : notice.offers) {
      if (looking() && offer.resources.allocatable_to(options_.role).contains(options_.resources)) {
        accept(offer);
      } else {
        declined.push_back(offer.id);
      }
    }
    if (!declined.empty()) {
      DeclineCall call{framework_id_, declined, Filters{kRefuseSeconds}};
      call_and_log("framework.decline", pack_payload(call));
    }
    if (looking()) say_waiting();
  }

  void say_waiting() {
    if (waiting_said_ || !looking() || done_) return;
    waiting_said_ = true;
    say("waiting for an agent with " + options_.resources.to_string() + " (no offer fits yet)");
  }

  void on_offer_timeout() {
    if (!looking()) {  // an accept is in flight: let it decide
      offer_timeout_expired_ = true;
      return;
    }
    finish(1, "no agent offered " + options_.resources.to_string() + " within " +
                  format_duration(*options_.timeout) +
                  "; check 'clusterctl agents' for free resources");
  }

  void accept(const Offer& offer) {
    phase_ = Phase::kAccepting;
    task_id_ = new_id(task_id_prefix(options_.name));
    agent_id_ = offer.agent_id;
    agent_host_ = offer.hostname;
    TaskInfo task;
    task.task_id = task_id_;
    task.name = options_.name;
    task.agent_id = offer.agent_id;
    task.role = options_.role;
    task.resources = options_.resources;
    task.command = options_.command;
    task.kill_grace_millis = options_.kill_after.count();
    task.health_check = options_.health_check;
    AcceptCall call{framework_id_, {offer.id}, {task}, Filters{kRefuseSeconds}};
    LOG(kInfo) << "accepting offer " << offer.id << " for task " << task_id_;
    connection_->call("framework.accept", pack_payload(call), kCallTimeout,
                      [this](StatusOr<RpcValue> reply) { on_accepted(std::move(reply)); });
  }

  void on_accepted(StatusOr<RpcValue> reply) {
    if (done_ || phase_ != Phase::kAccepting) return;  // an update already placed or ended it
    if (reply) {
      placed();
      return;
    }
    if (interrupted_) {
      finish(1, "interrupted before the task was placed");
    } else if (reply.status().kind() == ErrorKind::kNotFound) {
      LOG(kWarning) << "offer gone before it was accepted: " << reply.status().message();
      task_id_.clear();
      phase_ = Phase::kWaiting;  // the master offers the resources again
      if (offer_timeout_expired_) on_offer_timeout();
    } else {
      finish(1, "the master refused the task: " + reply.status().message());
    }
  }

  void placed() {
    phase_ = Phase::kPlaced;
    offer_timer_.cancel();
    patience_timer_.cancel();
    say("launched task " + task_id_ + " on agent " + agent_id_ + " (" + agent_host_ + ")");
    say("task " + task_id_ + " is STAGING");
    last_state_ = "STAGING";
    call_and_log("framework.suppress", pack_payload(FrameworkCall{framework_id_}));
    if (interrupted_) kill_task();
  }

  void on_update(const TaskStatus& status) {
    if (task_id_.empty() || status.task_id != task_id_ || ending_) {
      acknowledge(status, nullptr);
      return;
    }
    if (phase_ == Phase::kAccepting) placed();
    StatusOr<TaskState> state = parse_task_state(status.state);
    bool ends = state && ends_execute(*state);
    bool progress = status.reason == "fetching";  // the agent fetching the task's URIs
    bool health_changed = status.healthy && status.healthy != last_healthy_;
    if (status.state != last_state_ || ends || progress || health_changed) {
      say(describe_status(status));
    }
    last_state_ = status.state;
    if (status.healthy) last_healthy_ = status.healthy;
    if (!ends) {
      acknowledge(status, nullptr);
      return;
    }
    // Exit once the master has the acknowledgement, so the agent can let the task go.
    ending_ = true;
    int code = exit_code_for(status);
    acknowledge(status, [this, code] { finish(code, ""); });
  }

  // Every update with a uuid is acknowledged; `then` runs once that is done.
  void acknowledge(const TaskStatus& status, std::function<void()> then) {
    if (status.uuid.empty() || !connection_) {
      if (then) then();
      return;
    }
    AcknowledgeCall call{framework_id_, status.agent_id, status.task_id, status.uuid};
    connection_->call("framework.acknowledge", pack_payload(call), kCallTimeout,
                      [this, then](StatusOr<RpcValue> reply) {
                        if (!reply && !done_) {
                          LOG(kWarning) << "acknowledgement: " << reply.status().message();
                        }
                        if (then) then();
                      });
  }

  void wait_for_signal() {
    signals_.async_wait([this](const boost::system::error_code& error, int) {
      if (error || done_) return;
      wait_for_signal();
      on_signal();
    });
  }

  void on_signal() {
    switch (phase_) {
      case Phase::kConnecting:
      case Phase::kSubscribing:
      case Phase::kWaiting:
        finish(1, "interrupted before the task was placed");
        return;
      case Phase::kAccepting:
        interrupted_ = true;  // kill it as soon as the master confirms the launch
        return;
      case Phase::kPlaced:
        if (kill_sent_) {
          finish(1, "interrupted again; the master kills task " + task_id_ +
                        " when execute disconnects");
        } else {
          kill_task();
        }
        return;
    }
  }

  void kill_task() {
    if (reconnecting_) {
      interrupted_ = true;  // killed once execute is back with the master
      say("will kill task " + task_id_ + " once reconnected");
      return;
    }
    kill_sent_ = true;
    say("killing task " + task_id_);
    connection_->call("framework.kill", pack_payload(KillCall{framework_id_, task_id_}),
                      kCallTimeout, [this](StatusOr<RpcValue> reply) {
                        if (done_ || reply) return;
                        finish(1, "cannot kill task " + task_id_ + ": " + reply.status().message());
                      });
    Duration wait = options_.kill_after + kKillConfirmSlack;
    kill_timer_.start(wait, [this, wait] {
      finish(1, "task " + task_id_ + " did not confirm the kill within " + format_duration(wait));
    });
  }

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
  std::string last_state_;
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

}  // namespace

int run_command_scheduler(const CommandSchedulerOptions& options) {
  CommandScheduler scheduler(options);
  return scheduler.run();
}

}  // namespace clusterctl::cmd
