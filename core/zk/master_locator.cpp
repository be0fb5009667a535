#include "core/zk/master_locator.hpp"

#include "core/log.hpp"
#include "core/rpc/rpc.hpp"

namespace clusterctl {

namespace {

constexpr Duration kSessionRetryMin{1000};
constexpr Duration kSessionRetryMax{30000};

}  // namespace

MasterLocator::MasterLocator(boost::asio::io_context& io, const std::string& masters,
                             OnLeader on_leader)
    : io_(io),
      on_leader_(std::move(on_leader)),
      candidates_(MasterCandidates::from_list({})),
      description_(masters),
      restart_timer_(io),
      session_backoff_(kSessionRetryMin, kSessionRetryMax) {
  if (!is_zk_address(masters)) {
    candidates_ = MasterCandidates::from_list(split_address_list(masters));
    return;
  }
  candidates_ = MasterCandidates::from_zookeeper();
  auto address = parse_zk_address(masters);
  if (!address) {
    description_ = "an invalid ZooKeeper address";
    LOG(kError) << address.status().message();
    return;
  }
  zk_address_ = *address;
  description_ = zk_address_.to_string();
}

MasterLocator::~MasterLocator() {
  stop();
}

void MasterLocator::start() {
  if (!zookeeper() || running_ || zk_address_.servers.empty()) return;
  running_ = true;
  start_session();
}

void MasterLocator::stop() {
  running_ = false;
  restart_timer_.cancel();
  detector_.reset();
  zk_.reset();
}

bool MasterLocator::connected_to_zookeeper() const {
  return zk_ && zk_->connected();
}

void MasterLocator::start_session() {
  detector_.reset();
  zk_.reset();
  ZkClient::Options options;
  options.address = zk_address_;
  options.on_session = [this](ZkSessionEvent event) { on_session(event); };
  auto zk = ZkClient::start(io_, options);
  if (!zk) {
    restart_session("cannot start a ZooKeeper session: " + zk.status().message());
    return;
  }
  zk_ = std::move(zk).value();
  detector_ = std::make_unique<MasterDetector>(
      *zk_, zk_address_.path,
      [this](const std::optional<MasterRecord>& record) { on_detected(record); });
}

void MasterLocator::on_session(ZkSessionEvent event) {
  if (!running_) return;
  switch (event) {
    case ZkSessionEvent::kConnected:
      session_backoff_.reset();
      if (detector_) detector_->resync();
      return;
    case ZkSessionEvent::kDisconnected:
      LOG(kWarning) << "lost the connection to ZooKeeper at " << zk_address_.servers
                    << "; reconnecting (the leader last named was "
                    << candidates_.leader().value_or("none") << ")";
      return;
    case ZkSessionEvent::kExpired:
      restart_session("the ZooKeeper session expired");
      return;
    case ZkSessionEvent::kAuthFailed:
      restart_session("ZooKeeper at " + zk_address_.servers + " refused the credentials of " +
                      zk_address_.to_string());
      return;
  }
}

void MasterLocator::restart_session(const std::string& why) {
  if (!running_) return;
  Duration wait = session_backoff_.next();
  LOG(kWarning) << why << "; a new session in " << format_duration(wait);
  // Not here: this may run inside the ZkClient's own callback.
  restart_timer_.start(wait, [this] { start_session(); });
}

void MasterLocator::on_detected(const std::optional<MasterRecord>& record) {
  std::optional<std::string> leader;
  if (record) leader = record->address;
  if (leader == candidates_.leader()) return;
  candidates_.set_leader(leader);
  if (leader) {
    LOG(kInfo) << "ZooKeeper names " << *leader << " as the leading master (pid " << record->pid
               << " on " << record->hostname << ")";
  } else {
    LOG(kWarning) << "no master leads under " << description_ << " now";
  }
  if (on_leader_) on_leader_(leader);
}

}  // namespace clusterctl
