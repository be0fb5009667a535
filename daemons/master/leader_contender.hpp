// LeaderContender: one master's candidacy in the ZooKeeper election under
// the HA path. It creates its ephemeral sequential member znode (holding its
// MasterRecord as JSON); the lowest member leads; every other member watches
// only the member just before its own (no herd effect), and checks again
// when that one goes.
//
//   Joining --member created--> StandingBy --lowest--> WaitingForQuorum
//     --at least `quorum` members--> Leading --lease ran out, member gone,
//     session expired--> Lost
//   any state --session expired, or its member znode vanished--> Lost
//
// Leading is a lease: while it leads, the contender confirms its member
// znode every session_timeout/4 and may act as leader only while the last
// confirmation was *sent* less than 2/3 of the session timeout ago. The
// server expires a silent session one full timeout after it last heard from
// it, so a leader that is partitioned from ZooKeeper, or was paused (SIGSTOP)
// past its timeout, knows it may no longer act before, or as soon as, anyone
// else can be elected. Lost is final: the owner stops acting at once (the
// master restarts itself as a new contender).
//
// Threading: one io_context thread, with its ZkClient; callbacks run there.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/timer.hpp"
#include "core/zk/master_record.hpp"
#include "core/zk/zk_client.hpp"

namespace clusterctl {

enum class ContenderState { kJoining, kStandingBy, kWaitingForQuorum, kLeading, kLost };
const char* contender_state_name(ContenderState state);

class LeaderContender {
 public:
  struct Callbacks {
    // Lead from now on; `member_path` is the fencing node for registry writes.
    std::function<void(const std::string& member_path)> on_elected;
    // Leadership or candidacy is over for good; `why` says what happened.
    std::function<void(const std::string& why)> on_lost;
  };

  // `zk` must outlive the contender; `quorum` >= 1.
  LeaderContender(boost::asio::io_context& io, ZkClient& zk, std::string path, MasterRecord record,
                  size_t quorum, Callbacks callbacks);
  ~LeaderContender();

  // Joins the election (call once the session is connected).
  void start();
  // Feed every session event of the ZkClient here.
  void session_event(ZkSessionEvent event);

  ContenderState state() const { return state_; }
  // Leading, and the lease still holds (see above).
  bool may_lead() const;
  const std::string& member_path() const { return member_path_; }
  // Since when it leads (wall seconds; 0 when it does not).
  double leading_since() const { return leading_since_; }

 private:
  using Clock = std::chrono::steady_clock;
  void joined(StatusOr<std::string> created);
  void check();
  void checked(StatusOr<std::vector<std::string>> children);
  void watch_predecessor(const std::string& predecessor);
  void lead();
  void probe();
  void lose(const std::string& why);
  void move_to(ContenderState next);

  boost::asio::io_context& io_;
  ZkClient& zk_;
  std::string path_;
  MasterRecord record_;
  size_t quorum_;
  Callbacks callbacks_;
  ContenderState state_ = ContenderState::kJoining;
  bool started_ = false;
  std::string member_path_;
  std::string member_;  // its name among the children
  Clock::time_point confirmed_sent_{};
  double leading_since_ = 0;
  Timer probe_timer_;
  std::shared_ptr<bool> alive_;
};

}  // namespace clusterctl
