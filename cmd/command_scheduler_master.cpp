// The master half of execute's scheduler: finding the leading master through
// its MasterLocator (a plain list tried in turn, or the leader ZooKeeper
// names), following not_leader answers and ZooKeeper's changes of leader, and
// getting a lost master back under the same framework id.
#include "cmd/command_scheduler_impl.hpp"
#include "cmd/flags.hpp"
#include "core/auth/client_authentication.hpp"
#include "core/log.hpp"

namespace clusterctl::cmd {

void CommandScheduler::connect_next() {
  if (done_) return;
  std::optional<std::string> master = locator_.next();
  if (!master) {
    waiting_for_leader_ = true;  // on_leader() goes on once ZooKeeper names one
    target_.clear();
    return;
  }
  waiting_for_leader_ = false;
  target_ = *master;
  uint64_t attempt = ++attempt_;
  rpc_connect(
      io_, target_, handlers(), options_.connect_timeout,
      [this, attempt](StatusOr<RpcConnectionPtr> connection) {
        if (done_ || attempt != attempt_) {
          if (connection) (*connection)->close("connection attempt abandoned");
          return;
        }
        if (!connection) {
          last_connect_error_ = connect_error_reason(connection.status());
          on_connect_failed();
          return;
        }
        authenticate(*connection, attempt);
      },
      kDefaultMaxFrameBytes, options_.tls);
}

// Authenticates a new connection (when execute has a --principal), then subscribes.
void CommandScheduler::authenticate(const RpcConnectionPtr& connection, uint64_t attempt) {
  authenticate_connection(connection, options_.credential, options_.connect_timeout,
                          [this, attempt, connection](Status authenticated) {
                            if (done_ || attempt != attempt_) {
                              connection->close("connection attempt abandoned");
                              return;
                            }
                            if (!authenticated) {
                              connection->close("authentication failed");
                              finish(1, "the master at " + target_ +
                                            " refused the connection: " + authenticated.message());
                              return;
                            }
                            connection_ = connection;
                            address_ = target_;
                            subscribe();
                          });
}

void CommandScheduler::on_connect_failed() {
  LOG(kInfo) << "cannot connect to " << target_ << ": " << last_connect_error_;
  target_.clear();
  if (!reconnecting_ && !locator_.zookeeper() && !find_deadline_.pending()) {
    // A plain list before the first subscription: each address once.
    if (++initial_attempts_ < split_address_list(options_.master).size()) {
      connect_next();
      return;
    }
    finish(1, "cannot reach master at " + master_label(options_.master) + ": " +
                  last_connect_error_ + " (is it running? set --master or CLUSTERCTL_MASTER)");
    return;
  }
  // The leader ZooKeeper names is not up (yet), an election is awaited, or
  // execute is getting its master back: try again later.
  reconnect_timer_.start(backoff_.next(), [this] { connect_next(); });
}

void CommandScheduler::drop_connection(const std::string& why) {
  ++attempt_;
  target_.clear();
  if (RpcConnectionPtr connection = std::move(connection_)) connection->close(why);
}

bool CommandScheduler::can_reconnect() const {
  return !framework_id_.empty() && (phase_ == Phase::kWaiting || phase_ == Phase::kPlaced);
}

void CommandScheduler::reconnect(const std::string& why) {
  drop_connection(why);
  reconnecting_ = true;
  backoff_.reset();
  Duration patience = std::max(options_.failover_timeout, kMinReconnectTime);
  say("lost the connection to the master at " + address_ + " (" + why +
      "); reconnecting for up to " + format_duration(patience));
  if (!reconnect_deadline_.pending()) {
    reconnect_deadline_.start(patience, [this, patience] {
      std::string task = task_id_.empty() ? ""
                                          : "; task " + task_id_ +
                                                " may still run (see "
                                                "'clusterctl tasks')";
      finish(1, "could not get back to the master within " + format_duration(patience) + task);
    });
  }
  reconnect_timer_.start(backoff_.next(), [this] { connect_next(); });
}

void CommandScheduler::start_find_deadline() {
  if (find_deadline_.pending()) return;
  find_deadline_.start(options_.connect_timeout, [this] {
    std::string why = last_connect_error_;
    if (locator_.zookeeper() && !locator_.leader() && !locator_.connected_to_zookeeper()) {
      why = "cannot reach ZooKeeper at " + locator_.description();
    }
    finish(1, "found no leading master at " + locator_.description() + " within " +
                  format_duration(options_.connect_timeout) + ": " + why);
  });
}

void CommandScheduler::on_not_leader(const std::string& leader) {
  std::string standby = address_;
  drop_connection("the master stands by");
  if (!reconnecting_) phase_ = Phase::kConnecting;
  if (locator_.follow(leader)) {
    LOG(kInfo) << "the master at " << standby << " stands by; subscribing with the leader "
               << leader;
    connect_next();
    return;
  }
  last_connect_error_ =
      leader.empty()
          ? "the master at " + standby + " stands by and no leader is elected yet"
          : "the masters keep naming another leader (" + standby + " names " + leader + ")";
  LOG(kInfo) << last_connect_error_;
  if (!reconnecting_) start_find_deadline();
  reconnect_timer_.start(backoff_.next(), [this] { connect_next(); });
}

void CommandScheduler::on_leader(const std::optional<std::string>& leader) {
  if (done_) return;
  if (!leader) {
    last_connect_error_ = "ZooKeeper names no leading master";
    return;
  }
  if (*leader == target_) return;  // there already, or on the way
  if (waiting_for_leader_) {
    connect_next();
    return;
  }
  if (connection_ && can_reconnect()) {
    reconnect("ZooKeeper names " + *leader + " as the leading master");
    return;
  }
  // An accept in flight decides for itself (a lost connection ends execute,
  // as the launch cannot be known).
  if (phase_ == Phase::kAccepting) return;
  // Connecting, subscribing or waiting between attempts: go to the new
  // leader now.
  drop_connection("another master leads");
  reconnect_timer_.cancel();
  if (!reconnecting_) phase_ = Phase::kConnecting;
  connect_next();
}

}  // namespace clusterctl::cmd
