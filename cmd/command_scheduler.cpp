// The connection half of execute's scheduler: reaching a master, subscribing
// (again, under the same framework id, after a lost connection) and
// dispatching notifications. The task half is command_scheduler_task.cpp.
#include "cmd/command_scheduler_impl.hpp"

#include <pwd.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <vector>

#include "cmd/flags.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/rpc/rpc.hpp"

namespace clusterctl::cmd {

namespace {

// The user this process runs as (never $USER, which the caller can set).
std::string current_user() {
  struct passwd* entry = ::getpwuid(::geteuid());
  return entry != nullptr ? entry->pw_name : std::to_string(::geteuid());
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

}  // namespace

CommandScheduler::CommandScheduler(CommandSchedulerOptions options)
    : options_(std::move(options)),
      locator_(io_, options_.master,
               [this](const std::optional<std::string>& leader) { on_leader(leader); }),
      backoff_(kMinReconnectBackoff, kMaxReconnectBackoff),
      offer_timer_(io_),
      patience_timer_(io_),
      kill_timer_(io_),
      reconnect_timer_(io_),
      reconnect_deadline_(io_),
      find_deadline_(io_),
      signals_(io_) {}

CommandScheduler::~CommandScheduler() {
  done_ = true;
  locator_.stop();
  if (connection_) connection_->close("execute exiting");
}

int CommandScheduler::run() {
  if (options_.handle_signals) {
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    wait_for_signal();
  }
  locator_.start();
  if (locator_.zookeeper()) {
    last_connect_error_ = "ZooKeeper names no leading master yet";
    start_find_deadline();
  }
  connect_next();
  io_.run();
  if (!done_) say("internal error: the event loop ended before the task did");
  return done_ ? exit_code_ : 1;
}

void CommandScheduler::say(const std::string& line) {
  print_line("execute: " + line);
}

void CommandScheduler::finish(int code, const std::string& message) {
  if (done_) return;
  done_ = true;
  exit_code_ = code;
  if (!message.empty()) say(message);
  offer_timer_.cancel();
  patience_timer_.cancel();
  kill_timer_.cancel();
  reconnect_timer_.cancel();
  reconnect_deadline_.cancel();
  find_deadline_.cancel();
  locator_.stop();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  if (connection_) connection_->close("execute finished");
  io_.stop();
}

RpcHandlers CommandScheduler::handlers() {
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
    if (can_reconnect()) {
      reconnect(why.message());
    } else {
      finish(1, "lost the connection to the master at " + address_ + ": " + why.message());
    }
  };
  return handlers;
}

void CommandScheduler::subscribe() {
  if (!reconnecting_) phase_ = Phase::kSubscribing;
  FrameworkInfo info;
  info.name = options_.framework_name;
  info.roles = {options_.role};
  info.user = options_.user.empty() ? current_user() : options_.user;
  info.hostname = host_name();
  info.id = framework_id_;  // empty the first time
  info.checkpoint = options_.checkpoint;
  info.failover_timeout = static_cast<double>(options_.failover_timeout.count()) / 1000.0;
  connection_->call("framework.subscribe", pack_payload(info), kCallTimeout,
                    [this](StatusOr<RpcValue> reply) { on_subscribed(std::move(reply)); });
}

void CommandScheduler::on_subscribed(StatusOr<RpcValue> reply) {
  if (done_) return;
  if (!reply && reply.status().kind() == ErrorKind::kNotLeader) {
    on_not_leader(reply.status().leader());
    return;
  }
  if (!reply && reconnecting_ && reply.status().kind() == ErrorKind::kUnavailable) {
    return;  // the connection closed again: on_close goes on reconnecting
  }
  if (!reply) {
    finish(1,
           "the master at " + address_ + " refused the subscription: " + reply.status().message());
    return;
  }
  StatusOr<SubscribeReply> subscribed = reply->as<SubscribeReply>("subscribe reply");
  if (!subscribed) {
    finish(1, subscribed.status().message());
    return;
  }
  framework_id_ = subscribed->framework_id;
  locator_.reached();
  backoff_.reset();
  find_deadline_.cancel();
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

void CommandScheduler::on_notification(const RpcMessage& message) {
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

void CommandScheduler::call_and_log(const std::string& method, const Payload& params) {
  if (!connection_) return;
  connection_->call(method, params, kCallTimeout, [this, method](StatusOr<RpcValue> reply) {
    if (!reply && !done_) LOG(kWarning) << method << ": " << reply.status().message();
  });
}

int run_command_scheduler(const CommandSchedulerOptions& options) {
  CommandScheduler scheduler(options);
  return scheduler.run();
}

}  // namespace clusterctl::cmd
