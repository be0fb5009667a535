// MasterLocator: where a daemon or a long-running client (the agent, the
// execute scheduler) finds the master to talk to, from a master address as
// users write it: "host:port", a comma list of them (tried round robin), or
// "zk://..." (the leader ZooKeeper names, followed through a ZkClient and a
// MasterDetector the locator owns). A not_leader answer naming the leader
// sends the next attempt there (see MasterCandidates for the order and the
// bound on hops).
//
// In ZooKeeper mode `on_leader` runs whenever the leading master's address
// changes (std::nullopt: none leads now), so that the owner can leave a
// master that no longer leads and go to the new one. A session that expires,
// is refused or cannot start is made anew after a jittered backoff; the last
// leader known stays meanwhile.
//
// Threading: one io_context thread; callbacks run there, never after the
// locator is destroyed or stopped.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/backoff.hpp"
#include "core/timer.hpp"
#include "core/zk/master_candidates.hpp"
#include "core/zk/master_detector.hpp"
#include "core/zk/zk_client.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

class MasterLocator {
 public:
  using OnLeader = std::function<void(const std::optional<std::string>& leader)>;

  // `masters` must pass check_master_address (an address that does not is
  // treated as an empty list: next() never names one).
  MasterLocator(boost::asio::io_context& io, const std::string& masters, OnLeader on_leader);
  ~MasterLocator();
  MasterLocator(const MasterLocator&) = delete;
  MasterLocator& operator=(const MasterLocator&) = delete;

  // Starts following ZooKeeper; nothing to do for a plain list.
  void start();
  // Ends the ZooKeeper session; no callback runs after this.
  void stop();

  bool zookeeper() const { return candidates_.zookeeper(); }
  // The next address to try; std::nullopt while ZooKeeper names no leader
  // (on_leader says when it does).
  std::optional<std::string> next() { return candidates_.next(); }
  // A not_leader answer: see MasterCandidates::follow.
  bool follow(const std::string& leader) { return candidates_.follow(leader); }
  // The leader answered: hops start over.
  void reached() { candidates_.reached(); }
  // The leader ZooKeeper names now (ZooKeeper mode).
  const std::optional<std::string>& leader() const { return candidates_.leader(); }
  // ZooKeeper mode: whether the session is connected now.
  bool connected_to_zookeeper() const;
  // The address as given, for messages (never a password).
  const std::string& description() const { return description_; }

 private:
  void start_session();
  void on_session(ZkSessionEvent event);
  // Drops the session and makes a new one after a backoff.
  void restart_session(const std::string& why);
  void on_detected(const std::optional<MasterRecord>& record);

  boost::asio::io_context& io_;
  OnLeader on_leader_;
  MasterCandidates candidates_;
  std::string description_;
  ZkAddress zk_address_;
  std::unique_ptr<ZkClient> zk_;
  std::unique_ptr<MasterDetector> detector_;
  Timer restart_timer_;
  Backoff session_backoff_;
  bool running_ = false;
};

}  // namespace clusterctl
