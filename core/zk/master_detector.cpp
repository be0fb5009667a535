#include "core/zk/master_detector.hpp"

#include <map>

#include "core/log.hpp"

namespace clusterctl {

namespace {

bool same_record(const std::optional<MasterRecord>& a, const std::optional<MasterRecord>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->address == b->address && a->pid == b->pid && a->started == b->started);
}

}  // namespace

MasterDetector::MasterDetector(ZkClient& zk, std::string path, OnLeader on_leader)
    : zk_(zk),
      path_(std::move(path)),
      on_leader_(std::move(on_leader)),
      alive_(std::make_shared<bool>(true)) {
  read_members();
}

MasterDetector::~MasterDetector() {
  *alive_ = false;
}

void MasterDetector::resync() {
  read_members();
}

void MasterDetector::read_members() {
  uint64_t round = ++round_;
  std::weak_ptr<bool> alive = alive_;
  auto rewatch = [this, alive] {
    if (auto still = alive.lock(); still && *still) read_members();
  };
  zk_.children(
      path_,
      [this, alive, round](StatusOr<std::vector<std::string>> children) {
        auto still = alive.lock();
        if (!still || !*still || round != round_) return;
        if (!children) {
          // No path yet (no master ever ran): nobody leads, and ZooKeeper
          // sets no watch on a missing node's children, so watch for its
          // creation. No connection: a reconnection calls resync().
          if (children.status().kind() == ErrorKind::kNotFound) {
            publish(std::nullopt);
            watch_creation(round);
          }
          return;
        }
        std::vector<std::string> members = election_members(*children);
        if (members.empty()) {
          publish(std::nullopt);
          return;
        }
        read_leader(members.front(), round);
      },
      rewatch);
}

void MasterDetector::watch_creation(uint64_t round) {
  std::weak_ptr<bool> alive = alive_;
  auto created = [this, alive] {
    if (auto still = alive.lock(); still && *still) read_members();
  };
  zk_.exists(
      path_,
      [this, alive, round](StatusOr<std::optional<ZkStat>> stat) {
        auto still = alive.lock();
        if (!still || !*still || round != round_) return;
        if (stat && stat->has_value()) read_members();  // created in between
      },
      created);
}

void MasterDetector::read_leader(const std::string& member, uint64_t round) {
  std::weak_ptr<bool> alive = alive_;
  zk_.get(path_ + "/" + member, [this, alive, round, member](StatusOr<ZkNode> node) {
    auto still = alive.lock();
    if (!still || !*still || round != round_) return;
    if (!node) {
      // It went between the listing and the read: the children watch fires.
      if (node.status().kind() != ErrorKind::kNotFound) {
        LOG(kWarning) << "cannot read the leading master's record " << member << ": "
                      << node.status().message();
      }
      return;
    }
    auto record = parse_master_record(node->data);
    if (!record) {
      LOG(kWarning) << "the leading master's record " << member
                    << " is unreadable: " << record.status().message();
      publish(std::nullopt);
      return;
    }
    publish(std::move(record).value());
  });
}

void MasterDetector::publish(std::optional<MasterRecord> leader) {
  if (known_ && same_record(leader, leader_)) return;
  known_ = true;
  leader_ = std::move(leader);
  if (on_leader_) on_leader_(leader_);
}

void MasterDetector::list(ZkClient& zk, const std::string& path,
                          std::function<void(StatusOr<std::vector<ContenderInfo>>)> done) {
  zk.children(path, [&zk, path, done](StatusOr<std::vector<std::string>> children) {
    if (!children) {
      if (children.status().kind() == ErrorKind::kNotFound) {
        done(std::vector<ContenderInfo>{});
      } else {
        done(children.status());
      }
      return;
    }
    std::vector<std::string> members = election_members(*children);
    auto found = std::make_shared<std::map<size_t, ContenderInfo>>();
    auto left = std::make_shared<size_t>(members.size());
    if (members.empty()) {
      done(std::vector<ContenderInfo>{});
      return;
    }
    for (size_t i = 0; i < members.size(); ++i) {
      zk.get(path + "/" + members[i],
             [i, member = members[i], found, left, done](StatusOr<ZkNode> node) {
               if (node) {
                 if (auto record = parse_master_record(node->data)) {
                   (*found)[i] = ContenderInfo{member, std::move(record).value(), node->stat};
                 }
               }
               if (--*left > 0) return;
               std::vector<ContenderInfo> contenders;
               for (auto& [index, info] : *found) contenders.push_back(std::move(info));
               // The lowest member still there leads (or is about to).
               if (!contenders.empty()) contenders.front().leading = true;
               done(std::move(contenders));
             });
    }
  });
}

}  // namespace clusterctl
