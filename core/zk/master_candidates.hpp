// MasterCandidates: which master a client tries next, from what it knows.
// It is the pure part of MasterLocator (no I/O, no clock), in this order:
//   1. the leader a standby named in its not_leader answer (once);
//   2. in ZooKeeper mode, the leader ZooKeeper names (none known: no address,
//      wait until it names one);
//   3. otherwise the next address of the plain list, round robin.
// Following not_leader answers is bounded: after kMaxLeaderHops in a row
// without reaching the leader (standbys naming each other while an election
// settles), follow() refuses once and the caller backs off instead; the
// hops then start over.
// Plain value; not thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace clusterctl {

inline constexpr int kMaxLeaderHops = 3;

class MasterCandidates {
 public:
  // A plain list ("a:1,b:2" split); it must not be empty.
  static MasterCandidates from_list(std::vector<std::string> addresses);
  // ZooKeeper mode: the leader comes from set_leader().
  static MasterCandidates from_zookeeper();

  bool zookeeper() const { return zookeeper_; }
  // The leader ZooKeeper names now (std::nullopt: none).
  void set_leader(std::optional<std::string> leader);
  const std::optional<std::string>& leader() const { return leader_; }

  // The next address to try, std::nullopt when there is none yet (ZooKeeper
  // mode with no leader known and no hint).
  std::optional<std::string> next();

  // A not_leader answer naming `leader` ("" when none is elected): true when
  // the caller should go there next (next() returns it), false when it names
  // none or the hops are used up (the caller backs off).
  bool follow(const std::string& leader);
  // The caller reached the leader (its call was answered): hops start over.
  void reached() { hops_ = 0; }
  int hops() const { return hops_; }

 private:
  bool zookeeper_ = false;
  std::vector<std::string> addresses_;
  size_t next_index_ = 0;
  std::optional<std::string> leader_;
  std::optional<std::string> hint_;
  int hops_ = 0;
};

}  // namespace clusterctl
