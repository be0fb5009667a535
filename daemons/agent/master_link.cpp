#include "daemons/agent/master_link.hpp"

#include <algorithm>

#include "core/auth/client_authentication.hpp"
#include "core/log.hpp"

namespace clusterctl {

namespace {

constexpr Duration kInitialBackoff{100};
// The most a leader change delays the next registration.
constexpr Duration kLeaderChangeSpread{1000};
constexpr Duration kConnectTimeout{5000};
constexpr Duration kRegisterTimeout{10000};

}  // namespace

MasterLink::MasterLink(boost::asio::io_context& io, const std::string& masters,
                       Duration backoff_max, Callbacks callbacks)
    : io_(io),
      locator_(io, masters,
               [this](const std::optional<std::string>& leader) { leader_changed(leader); }),
      backoff_max_(std::max(backoff_max, kInitialBackoff)),
      backoff_(kInitialBackoff, backoff_max_),
      callbacks_(std::move(callbacks)),
      retry_timer_(io) {}

MasterLink::~MasterLink() {
  stop();
}

void MasterLink::start() {
  stopped_ = false;
  locator_.start();
  connect();
}

void MasterLink::stop() {
  stopped_ = true;
  ++attempt_;
  retry_timer_.cancel();
  locator_.stop();
  registered_ = false;
  target_.clear();
  if (RpcConnectionPtr connection = std::move(connection_)) connection->close("agent stopping");
}

void MasterLink::connect() {
  if (stopped_) return;
  std::optional<std::string> master = locator_.next();
  if (!master) {
    if (!waiting_for_leader_) {
      LOG(kInfo) << "waiting for ZooKeeper (" << locator_.description()
                 << ") to name the leading master";
    }
    waiting_for_leader_ = true;
    return;
  }
  waiting_for_leader_ = false;
  target_ = *master;
  uint64_t attempt = ++attempt_;
  RpcHandlers handlers;
  handlers.on_request = callbacks_.on_request;
  handlers.on_close = [this](const RpcConnectionPtr& connection, const Status& why) {
    closed(connection, why);
  };
  rpc_connect(
      io_, target_, std::move(handlers), kConnectTimeout,
      [this, attempt](StatusOr<RpcConnectionPtr> connection) {
        connected(attempt, std::move(connection));
      },
      kDefaultMaxFrameBytes, tls_);
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
  RpcConnectionPtr opened = *connection;
  authenticate_connection(
      opened, credential_, kRegisterTimeout,
      [this, attempt, opened](Status status) { authenticated(attempt, opened, status); });
}

void MasterLink::authenticated(uint64_t attempt, const RpcConnectionPtr& connection,
                               const Status& status) {
  if (attempt != attempt_) {
    connection->close("connection attempt abandoned");
    return;
  }
  if (!status) {
    LOG(kError) << "the master at " << target_ << " refused the agent's authentication"
                << (credential_ ? " as '" + credential_->principal + "'" : std::string()) << ": "
                << status.message();
    connection->close("authentication failed");
    retry(status.message());
    return;
  }
  connection_ = connection;
  RegisterAgentCall call = callbacks_.registration();
  call.agent.id = agent_id_;
  connection_->call(
      "agent.register", pack_payload(call), kRegisterTimeout,
      [this, attempt](StatusOr<RpcValue> reply) { answered(attempt, std::move(reply)); });
}

void MasterLink::answered(uint64_t attempt, StatusOr<RpcValue> reply) {
  if (attempt != attempt_) return;
  if (!reply && reply.status().kind() == ErrorKind::kNotLeader) {
    const std::string& leader = reply.status().leader();
    std::string standby = target_;
    if (locator_.follow(leader)) {
      LOG(kInfo) << "master " << standby << " stands by; registering with the leader " << leader;
      abandon("the master stands by");
      connect();
    } else if (leader.empty()) {
      retry("master " + standby + " stands by and no leader is elected yet");
    } else {
      retry("master " + standby + " names " + leader + " as the leader, after " +
            std::to_string(kMaxLeaderHops) + " such answers in a row");
    }
    return;
  }
  StatusOr<RegisterAgentReply> registration =
      reply ? reply->as<RegisterAgentReply>("agent.register reply") : reply.status();
  if (!registration) {
    retry("registration with master " + target_ + " failed: " + registration.status().message());
    return;
  }
  if (!agent_id_.empty() && registration->agent_id != agent_id_) {
    LOG(kWarning) << "master gave agent id " << registration->agent_id << " instead of "
                  << agent_id_ << "; keeping " << agent_id_;
  }
  if (agent_id_.empty()) agent_id_ = registration->agent_id;
  registered_ = true;
  backoff_.reset();
  locator_.reached();
  LOG(kInfo) << (registrations_++ == 0 ? "registered" : "re-registered") << " with master "
             << target_ << " as agent " << agent_id_;
  callbacks_.on_registered(connection_);
}

void MasterLink::closed(const RpcConnectionPtr& connection, const Status& why) {
  if (connection != connection_) return;  // an abandoned attempt
  retry("connection to master " + target_ + " closed: " + why.message());
}

void MasterLink::leader_changed(const std::optional<std::string>& leader) {
  if (stopped_ || !leader || *leader == target_) return;  // none, or already there
  if (waiting_for_leader_ && registrations_ == 0) {
    connect();  // the first registration: nobody to leave, nobody to spread from
    return;
  }
  if (!target_.empty()) abandon("ZooKeeper names " + *leader + " as the leading master");
  backoff_.reset();
  Duration wait = backoff_.spread(std::min(kLeaderChangeSpread, backoff_max_));
  LOG(kInfo) << "registering with the new leading master " << *leader << " in "
             << format_duration(wait);
  waiting_for_leader_ = false;
  retry_timer_.start(wait, [this] { connect(); });
}

void MasterLink::abandon(const std::string& why) {
  ++attempt_;
  bool was_registered = registered_;
  registered_ = false;
  target_.clear();
  if (RpcConnectionPtr connection = std::move(connection_)) connection->close(why);
  if (was_registered) callbacks_.on_lost();
}

void MasterLink::retry(const std::string& why) {
  if (stopped_) return;
  abandon(why);
  Duration wait = backoff_.next();
  LOG(kWarning) << why << "; trying again in " << format_duration(wait);
  retry_timer_.start(wait, [this] { connect(); });
}

}  // namespace clusterctl
