#include "daemons/executor/agent_session.hpp"

#include <algorithm>

#include "core/atomic_file.hpp"
#include "core/log.hpp"
#include "core/task_state.hpp"

namespace clusterctl {

namespace {

constexpr Duration kConnectTimeout{10000};
constexpr Duration kCallTimeout{30000};
constexpr Duration kInitialBackoff{100};
constexpr Duration kMaxBackoff{1000};

// The agent will never take this call, however often it is sent.
bool is_refusal(ErrorKind kind) {
  return kind == ErrorKind::kNotFound || kind == ErrorKind::kInvalidArgument ||
         kind == ErrorKind::kFailedPrecondition;
}

}  // namespace

AgentSession::AgentSession(boost::asio::io_context& io, AgentSessionOptions options,
                           Callbacks callbacks)
    : io_(io),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      backoff_(kInitialBackoff),
      retry_timer_(io),
      recovery_timer_(io) {}

AgentSession::~AgentSession() {
  close();
}

void AgentSession::start() {
  connect();
}

std::string AgentSession::agent_address() const {
  if (options_.agent_address_file.empty()) return options_.agent;
  auto content = read_file(options_.agent_address_file);
  if (!content) return options_.agent;
  std::string address = content->substr(0, content->find('\n'));
  return address.empty() ? options_.agent : address;
}

void AgentSession::connect() {
  if (closed_) return;
  uint64_t attempt = ++attempt_;
  RpcHandlers handlers;
  handlers.on_request = [this](const RpcConnectionPtr&, const RpcMessage& message,
                               RpcResponder responder) {
    callbacks_.on_request(message, std::move(responder));
  };
  handlers.on_close = [this](const RpcConnectionPtr& connection, const Status& why) {
    closed(connection, why);
  };
  rpc_connect(
      io_, agent_address(), std::move(handlers), kConnectTimeout,
      [this, attempt](StatusOr<RpcConnectionPtr> connection) {
        connected(attempt, std::move(connection));
      },
      kDefaultMaxFrameBytes, options_.tls);
}

void AgentSession::connected(uint64_t attempt, StatusOr<RpcConnectionPtr> connection) {
  if (attempt != attempt_ || closed_) {
    if (connection) (*connection)->close("connection attempt abandoned");
    return;
  }
  if (!connection) {
    connection_failed("cannot reach the agent: " + connection.status().message());
    return;
  }
  connection_ = *connection;
  connection_->call(
      "executor.register", pack_payload(options_.identity), kCallTimeout,
      [this, attempt](StatusOr<RpcValue> reply) { registered(attempt, std::move(reply)); });
}

void AgentSession::registered(uint64_t attempt, StatusOr<RpcValue> reply) {
  if (attempt != attempt_ || closed_) return;
  StatusOr<RegisterExecutorReply> registration =
      reply ? reply->as<RegisterExecutorReply>("executor.register reply") : reply.status();
  if (!registration) {
    if (is_refusal(registration.status().kind())) {
      callbacks_.lost(Status(registration.status().kind(), "the agent refused this executor: " +
                                                               registration.status().message()));
      return;
    }
    connection_failed("registration with the agent failed: " + registration.status().message());
    return;
  }
  registered_ = true;
  backoff_ = kInitialBackoff;
  recovery_timer_.cancel();
  callbacks_.registered(*registration);
  send_next();
}

void AgentSession::closed(const RpcConnectionPtr& connection, const Status& why) {
  if (connection != connection_ || closed_) return;
  connection_failed("lost the connection to the agent: " + why.message());
}

void AgentSession::connection_failed(const std::string& why) {
  ++attempt_;
  registered_ = false;
  in_flight_ = false;
  if (RpcConnectionPtr connection = std::move(connection_)) connection->close(why);
  if (!options_.checkpoint) {
    callbacks_.lost(Status::unavailable(why));
    return;
  }
  if (!recovery_timer_.pending()) {
    LOG(kWarning) << why << "; the task keeps running while this executor waits up to "
                  << format_duration(options_.recovery_timeout) << " for the agent";
    recovery_timer_.start(options_.recovery_timeout, [this] {
      callbacks_.lost(Status::unavailable("the agent did not come back within " +
                                          format_duration(options_.recovery_timeout)));
    });
  }
  retry_timer_.start(backoff_, [this] { connect(); });
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
}

void AgentSession::send(TaskStatus status) {
  updates_.push_back(std::move(status));
  send_next();
}

void AgentSession::send_next() {
  if (!registered_ || in_flight_ || updates_.empty() || closed_) return;
  in_flight_ = true;
  uint64_t attempt = attempt_;
  connection_->call(
      "executor.status_update", pack_payload(StatusUpdateCall{updates_.front()}), kCallTimeout,
      [this, attempt](StatusOr<RpcValue> reply) { answered(attempt, std::move(reply)); });
}

void AgentSession::answered(uint64_t attempt, StatusOr<RpcValue> reply) {
  if (attempt != attempt_ || closed_) return;  // resent after reconnecting
  in_flight_ = false;
  const TaskStatus& sent = updates_.front();
  if (!reply) {
    ErrorKind kind = reply.status().kind();
    if (kind == ErrorKind::kUnavailable) return;  // closed() follows
    LOG(kWarning) << "status update " << sent.state << ": " << reply.status().message();
    if (!is_refusal(kind)) {  // slow or a disk error on the agent: send it again
      retry_timer_.start(backoff_, [this] { send_next(); });
      return;
    }
  }
  bool terminal = is_terminal(sent.state);
  updates_.pop_front();
  if (terminal) {
    callbacks_.terminal_taken();
    return;
  }
  send_next();
}

void AgentSession::close() {
  if (closed_) return;
  closed_ = true;
  ++attempt_;
  retry_timer_.cancel();
  recovery_timer_.cancel();
  if (RpcConnectionPtr connection = std::move(connection_)) connection->close("executor done");
}

}  // namespace clusterctl
