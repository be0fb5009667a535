#include "core/zk/master_candidates.hpp"

namespace clusterctl {

MasterCandidates MasterCandidates::from_list(std::vector<std::string> addresses) {
  MasterCandidates candidates;
  candidates.addresses_ = std::move(addresses);
  return candidates;
}

MasterCandidates MasterCandidates::from_zookeeper() {
  MasterCandidates candidates;
  candidates.zookeeper_ = true;
  return candidates;
}

void MasterCandidates::set_leader(std::optional<std::string> leader) {
  leader_ = std::move(leader);
  // ZooKeeper's word is newer than any standby's.
  hint_.reset();
  hops_ = 0;
}

std::optional<std::string> MasterCandidates::next() {
  if (hint_) {
    std::optional<std::string> hint = std::move(hint_);
    hint_.reset();
    return hint;
  }
  if (zookeeper_) return leader_;
  if (addresses_.empty()) return std::nullopt;
  const std::string& address = addresses_[next_index_ % addresses_.size()];
  next_index_ = (next_index_ + 1) % addresses_.size();
  return address;
}

bool MasterCandidates::follow(const std::string& leader) {
  if (leader.empty()) return false;
  if (hops_ >= kMaxLeaderHops) {
    hops_ = 0;  // the caller backs off; after that it may follow again
    return false;
  }
  ++hops_;
  hint_ = leader;
  return true;
}

}  // namespace clusterctl
