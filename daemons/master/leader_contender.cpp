#include "daemons/master/leader_contender.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "core/timer.hpp"

namespace clusterctl {

namespace {

using S = ContenderState;

// Every move the election allows, in one place.
bool can_move(S from, S to) {
  switch (from) {
    case S::kJoining:
      return to == S::kStandingBy || to == S::kWaitingForQuorum || to == S::kLeading ||
             to == S::kLost;
    case S::kStandingBy:
      return to == S::kWaitingForQuorum || to == S::kLeading || to == S::kLost;
    case S::kWaitingForQuorum:
      return to == S::kLeading || to == S::kLost;
    case S::kLeading:
      return to == S::kLost;
    case S::kLost:
      return false;
  }
  return false;
}

Duration probe_interval(Duration session_timeout) {
  return std::max(Duration(50), Duration(session_timeout.count() / 4));
}

}  // namespace

const char* contender_state_name(ContenderState state) {
  switch (state) {
    case S::kJoining:
      return "joining";
    case S::kStandingBy:
      return "standing by";
    case S::kWaitingForQuorum:
      return "waiting for a quorum";
    case S::kLeading:
      return "leading";
    case S::kLost:
      return "lost";
  }
  return "unknown";
}

LeaderContender::LeaderContender(boost::asio::io_context& io, ZkClient& zk, std::string path,
                                 MasterRecord record, size_t quorum, Callbacks callbacks)
    : io_(io),
      zk_(zk),
      path_(std::move(path)),
      record_(std::move(record)),
      quorum_(std::max<size_t>(quorum, 1)),
      callbacks_(std::move(callbacks)),
      probe_timer_(io),
      alive_(std::make_shared<bool>(true)) {}

LeaderContender::~LeaderContender() {
  *alive_ = false;
}

void LeaderContender::move_to(ContenderState next) {
  if (!can_move(state_, next)) {
    LOG(kError) << "election: no move from " << contender_state_name(state_) << " to "
                << contender_state_name(next);
    return;
  }
  state_ = next;
}

void LeaderContender::start() {
  if (started_) return;
  started_ = true;
  std::weak_ptr<bool> alive = alive_;
  zk_.ensure_path(path_, [this, alive](Status made) {
    if (auto still = alive.lock(); !still || !*still) return;
    if (!made) {
      lose("cannot create the HA path " + path_ + ": " + made.message());
      return;
    }
    zk_.create(path_ + "/" + kElectionMemberPrefix, master_record_json(record_),
               ZkCreateMode::kEphemeralSequential, [this, alive](StatusOr<std::string> created) {
                 if (auto still = alive.lock(); still && *still) joined(std::move(created));
               });
  });
}

void LeaderContender::joined(StatusOr<std::string> created) {
  if (state_ == S::kLost) return;
  if (!created) {
    lose("cannot join the election under " + path_ + ": " + created.status().message());
    return;
  }
  member_path_ = *created;
  member_ = member_path_.substr(member_path_.rfind('/') + 1);
  LOG(kInfo) << "election: joined as " << member_path_;
  check();
}

void LeaderContender::check() {
  if (state_ == S::kLost || state_ == S::kLeading) return;
  std::weak_ptr<bool> alive = alive_;
  // Only while waiting for a quorum does the membership itself matter.
  ZkClient::Watch watch = nullptr;
  if (state_ == S::kWaitingForQuorum) {
    watch = [this, alive] {
      if (auto still = alive.lock(); still && *still) check();
    };
  }
  zk_.children(
      path_,
      [this, alive](StatusOr<std::vector<std::string>> children) {
        if (auto still = alive.lock(); still && *still) checked(std::move(children));
      },
      watch);
}

void LeaderContender::checked(StatusOr<std::vector<std::string>> children) {
  if (state_ == S::kLost || state_ == S::kLeading) return;
  if (!children) {
    // A connection loss: the session event decides; a reconnection checks again.
    LOG(kWarning) << "election: cannot list " << path_ << ": " << children.status().message();
    return;
  }
  std::vector<std::string> members = election_members(*children);
  if (std::find(members.begin(), members.end(), member_) == members.end()) {
    lose("its election znode " + member_path_ + " is gone");
    return;
  }
  auto predecessor = election_predecessor(*children, member_);
  if (predecessor) {
    if (state_ == S::kJoining) move_to(S::kStandingBy);
    watch_predecessor(*predecessor);
    return;
  }
  if (members.size() < quorum_) {
    if (state_ != S::kWaitingForQuorum) {
      LOG(kWarning) << "election: lowest member, but only " << members.size() << " of --quorum "
                    << quorum_ << " masters are there; waiting for more";
      move_to(S::kWaitingForQuorum);
      check();  // again, now with a watch on the membership
    }
    return;
  }
  lead();
}

void LeaderContender::watch_predecessor(const std::string& predecessor) {
  std::weak_ptr<bool> alive = alive_;
  auto again = [this, alive] {
    if (auto still = alive.lock(); still && *still) check();
  };
  zk_.exists(
      path_ + "/" + predecessor,
      [this, alive, again](StatusOr<std::optional<ZkStat>> stat) {
        if (auto still = alive.lock(); !still || !*still) return;
        if (stat && !stat->has_value()) again();  // gone before the watch was set
      },
      again);
}

void LeaderContender::lead() {
  confirmed_sent_ = Clock::now();  // the listing that elected it was just answered
  leading_since_ =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  move_to(S::kLeading);
  LOG(kInfo) << "election: leading as " << member_path_ << " (session 0x" << std::hex
             << zk_.session_id() << std::dec << ")";
  probe_timer_.start(probe_interval(zk_.session_timeout()), [this] { probe(); });
  if (callbacks_.on_elected) callbacks_.on_elected(member_path_);
}

bool LeaderContender::may_lead() const {
  if (state_ != S::kLeading) return false;
  auto lease = std::chrono::milliseconds(zk_.session_timeout().count() * 2 / 3);
  return Clock::now() - confirmed_sent_ < lease;
}

void LeaderContender::probe() {
  if (state_ != S::kLeading) return;
  if (!may_lead()) {
    lose("no word from ZooKeeper for 2/3 of the session timeout (" +
         format_duration(zk_.session_timeout()) + "): another master may lead by now");
    return;
  }
  Clock::time_point sent = Clock::now();
  std::weak_ptr<bool> alive = alive_;
  zk_.exists(member_path_, [this, alive, sent](StatusOr<std::optional<ZkStat>> stat) {
    if (auto still = alive.lock(); !still || !*still) return;
    if (state_ != S::kLeading) return;
    if (!stat) return;  // no connection now: the lease runs out unless it comes back
    if (!stat->has_value()) {
      lose("its election znode " + member_path_ + " is gone");
      return;
    }
    confirmed_sent_ = std::max(confirmed_sent_, sent);
  });
  probe_timer_.start(probe_interval(zk_.session_timeout()), [this] { probe(); });
}

void LeaderContender::session_event(ZkSessionEvent event) {
  if (event == ZkSessionEvent::kExpired) {
    lose("its ZooKeeper session expired");
  } else if (event == ZkSessionEvent::kAuthFailed) {
    lose("ZooKeeper refused its credentials");
  } else if (event == ZkSessionEvent::kConnected && started_ && !member_.empty()) {
    check();  // a watch may have fired while disconnected
  }
}

void LeaderContender::lose(const std::string& why) {
  if (state_ == S::kLost) return;
  bool was_leading = state_ == S::kLeading;
  move_to(S::kLost);
  probe_timer_.cancel();
  LOG(kWarning) << "election: " << (was_leading ? "lost leadership" : "left the election") << ": "
                << why;
  if (callbacks_.on_lost) callbacks_.on_lost(why);
}

}  // namespace clusterctl
