#include "daemons/agent/master_link.hpp"

#include <algorithm>
#include <sstream>

#include "core/log.hpp"

namespace clusterctl {

namespace {

constexpr Duration kInitialBackoff{100};
constexpr Duration kConnectTimeout{5000};
constexpr Duration kRegisterTimeout{10000};

}  // namespace

MasterLink::MasterLink(boost::asio::io_context& io, const std::string& masters,
                       Duration backoff_max, Callbacks callbacks)
    : io_(io),
      masters_(split_address_list(masters)),
      backoff_max_(std::max(backoff_max, kInitialBackoff)),
      backoff_(kInitialBackoff),
      callbacks_(std::move(callbacks)),
      retry_timer_(io) {}

MasterLink::~MasterLink() {
  stop();
}

void MasterLink::start() {
  stopped_ = false;
  connect();
}

void MasterLink::stop() {
  stopped_ = true;
  ++attempt_;
  retry_timer_.cancel();
  registered_ = false;
  if (RpcConnectionPtr connection = std::move(connection_)) connection->close("agent stopping");
}

void MasterLink::connect() {
  if (stopped_ || masters_.empty()) return;
  uint64_t attempt = ++attempt_;
  const std::string& master = masters_[next_master_];
  next_master_ = (next_master_ + 1) % masters_.size();
  RpcHandlers handlers;
  handlers.on_request = callbacks_.on_request;
  handlers.on_close = [this](const RpcConnectionPtr& connection, const Status& why) {
    closed(connection, why);
  };
  rpc_connect(io_, master, std::move(handlers), kConnectTimeout,
              [this, attempt](StatusOr<RpcConnectionPtr> connection) {
                connected(attempt, std::move(connection));
              });
}

void MasterLink::connected(uint64_t attempt, StatusOr<RpcConnectionPtr> connection) {
  if (attempt != attempt_) {
    if (connection) (*connection)->close("connection attempt abandoned");
    return;
  }
  if (!connection) {
    retry(connection.status().message());
    return;
  }
  connection_ = *connection;
  RegisterAgentCall call = callbacks_.registration();
  call.agent.id = agent_id_;
  connection_->call(
      "agent.register", pack_payload(call), kRegisterTimeout,
      [this, attempt](StatusOr<RpcValue> reply) { answered(attempt, std::move(reply)); });
}

void MasterLink::answered(uint64_t attempt, StatusOr<RpcValue> reply) {
  if (attempt != attempt_) return;
  StatusOr<RegisterAgentReply> registration =
      reply ? reply->as<RegisterAgentReply>("agent.register reply") : reply.status();
  if (!registration) {
    retry("registration failed: " + registration.status().message());
    return;
  }
  if (!agent_id_.empty() && registration->agent_id != agent_id_) {
    LOG(kWarning) << "master gave agent id " << registration->agent_id << " instead of "
                  << agent_id_ << "; keeping " << agent_id_;
  }
  if (agent_id_.empty()) agent_id_ = registration->agent_id;
  registered_ = true;
  backoff_ = kInitialBackoff;
  LOG(kInfo) << (registrations_++ == 0 ? "registered" : "re-registered") << " with master "
             << connection_->peer_address() << " as agent " << agent_id_;
  callbacks_.on_registered(connection_);
}

void MasterLink::closed(const RpcConnectionPtr& connection, const Status& why) {
  if (connection != connection_) return;  // an abandoned attempt
  retry("connection to master closed: " + why.message());
}

void MasterLink::retry(const std::string& why) {
  if (stopped_) return;
  ++attempt_;
  bool was_registered = registered_;
  registered_ = false;
  if (RpcConnectionPtr connection = std::move(connection_)) connection->close(why);
  if (was_registered) callbacks_.on_lost();
  LOG(kWarning) << why << "; trying again in " << format_duration(backoff_);
  retry_timer_.start(backoff_, [this] { connect(); });
  backoff_ = std::min(backoff_ * 2, backoff_max_);
}

}  // namespace clusterctl
