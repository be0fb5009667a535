// MasterDetector: follows, through a ZkClient, which master leads under an
// HA path and which masters contend. It watches the path's children (every
// change of membership) and reads the lowest member's record; it tells its
// owner whenever the leader's record changes (std::nullopt: none now).
// Contenders do not use it (each watches only its predecessor); agents,
// schedulers, standby masters and the CLI do.
//
// Threading: one io_context thread, like its ZkClient; callbacks run there.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/zk/master_record.hpp"
#include "core/zk/zk_client.hpp"

namespace clusterctl {

struct ContenderInfo {
  std::string member;  // "member_0000000042"
  MasterRecord record;
  ZkStat stat;  // ctime_ms: contending since; ephemeral_owner: its session
  bool leading = false;
};

class MasterDetector {
 public:
  using OnLeader = std::function<void(const std::optional<MasterRecord>&)>;

  // `zk` must outlive the detector. Starts watching at once (and again after
  // each reconnection: call resync()).
  MasterDetector(ZkClient& zk, std::string path, OnLeader on_leader);
  ~MasterDetector();

  // Reads the membership again (after a reconnection; a watch may be lost
  // with an expired session).
  void resync();
  const std::optional<MasterRecord>& leader() const { return leader_; }

  // Every contender with its record, leader first (records that cannot be
  // read or parsed are skipped); for `clusterctl masters`.
  static void list(ZkClient& zk, const std::string& path,
                   std::function<void(StatusOr<std::vector<ContenderInfo>>)> done);

 private:
  void read_members();
  // The path does not exist yet: read the members once it is created.
  void watch_creation(uint64_t round);
  void read_leader(const std::string& member, uint64_t round);
  void publish(std::optional<MasterRecord> leader);

  ZkClient& zk_;
  std::string path_;
  OnLeader on_leader_;
  std::optional<MasterRecord> leader_;
  bool known_ = false;  // published at least once
  uint64_t round_ = 0;  // answers of older reads are ignored
  std::shared_ptr<bool> alive_;
};

}  // namespace clusterctl
