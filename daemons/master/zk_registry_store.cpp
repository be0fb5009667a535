#include "daemons/master/zk_registry_store.hpp"

#include <vector>

#include "core/log.hpp"

namespace clusterctl {

// One store() in progress.
struct ZkRegistryStore::Write {
  std::vector<RecordWrite> writes;
  std::vector<ZkBatch> batches;
  size_t next = 0;    // the batch being written
  size_t doubts = 0;  // exists() calls still out
  Status doubt_error;
  Done done;
};

ZkRegistryStore::ZkRegistryStore(ZkClient& client, std::string base, std::string fencing_path,
                                 size_t batch_limit)
    : client_(client),
      base_(std::move(base)),
      fencing_path_(std::move(fencing_path)),
      batch_limit_(batch_limit),
      alive_(std::make_shared<bool>(true)) {}

ZkRegistryStore::~ZkRegistryStore() {
  *alive_ = false;
}

std::string ZkRegistryStore::description() const {
  return "ZooKeeper registry " + zk_registry_root(base_) + " on " + client_.address().servers;
}

void ZkRegistryStore::store(const RegistryState& before, const RegistryState& after, Done done) {
  auto write = std::make_shared<Write>();
  write->done = std::move(done);
  std::vector<RecordKey> drifted;
  drifted.reserve(drift_.size());
  for (const auto& [key, exists] : drift_) drifted.push_back(key);
  write->writes = record_writes(before, after, drifted);
  resolve_doubts(std::move(write));
}

// Asks ZooKeeper whether the records that a failed batch touched exist
// (pipelined), then writes.
void ZkRegistryStore::resolve_doubts(std::shared_ptr<Write> write) {
  for (auto& [key, exists] : drift_) {
    if (exists.has_value()) continue;
    ++write->doubts;
    client_.exists(zk_record_path(base_, key), [this, alive = alive_, write, key = RecordKey(key)](
                                                   StatusOr<std::optional<ZkStat>> stat) {
      if (!*alive) return;
      if (stat.is_ok()) {
        drift_[key] = stat->has_value();
      } else if (write->doubt_error.is_ok()) {
        write->doubt_error = stat.status();
      }
      if (--write->doubts == 0) plan(write);
    });
  }
  if (write->doubts == 0) plan(std::move(write));
}

// The operations, in batches; then the first batch.
void ZkRegistryStore::plan(std::shared_ptr<Write> write) {
  if (!write->doubt_error.is_ok()) {
    return write->done(
        Status(write->doubt_error.kind(), description() + ": " + write->doubt_error.message()));
  }
  std::map<RecordKey, bool> known;
  for (const auto& [key, exists] : drift_) known.emplace(key, *exists);
  auto batches = make_batches(record_ops(base_, write->writes, known), fencing_path_, batch_limit_);
  write->writes.clear();
  if (!batches) return write->done(batches.status());
  write->batches = std::move(batches).value();
  if (write->batches.empty()) {
    drift_.clear();
    return write->done(Status::ok());
  }
  write_batch(std::move(write));
}

void ZkRegistryStore::write_batch(std::shared_ptr<Write> write) {
  std::vector<ZkOp> ops = std::move(write->batches[write->next].ops);
  client_.multi(std::move(ops), [this, alive = alive_, write](Status status) {
    if (*alive) batch_done(write, status);
  });
}

void ZkRegistryStore::batch_done(std::shared_ptr<Write> write, Status status) {
  const ZkBatch& batch = write->batches[write->next];
  if (!status) {
    // Its outcome is unknown after a lost connection, and any failure means
    // ZooKeeper did not hold what was expected: ask before the next write.
    for (const RecordKey& key : batch.keys) drift_[key] = std::nullopt;
    return report_failure(std::move(write), std::move(status));
  }
  for (size_t i = 0; i < batch.keys.size(); ++i) drift_[batch.keys[i]] = batch.exists_after[i];
  if (++write->next < write->batches.size()) return write_batch(std::move(write));
  // ZooKeeper now holds `after` in full: the next `before`.
  drift_.clear();
  write->done(Status::ok());
}

// Says how much was written, and whether the fencing check is what failed.
void ZkRegistryStore::report_failure(std::shared_ptr<Write> write, Status status) {
  size_t total = write->batches.size();
  std::string what = description() + ": batch " + std::to_string(write->next + 1) + " of " +
                     std::to_string(total) + " failed (" +
                     (write->next == 0 ? std::string("nothing written")
                                       : std::to_string(write->next) + " of " +
                                             std::to_string(total) + " batches written") +
                     "): ";
  client_.exists(fencing_path_, [this, alive = alive_, write, status,
                                 what](StatusOr<std::optional<ZkStat>> fence) {
    if (!*alive) return;
    if (fence.is_ok() && (!fence->has_value() || (*fence)->version != 0)) {
      return write->done(Status::failed_precondition(
          what + "this master is no longer the leader: its election node " + fencing_path_ +
          " is gone or changed"));
    }
    write->done(Status(status.kind(), what + status.message()));
  });
}

}  // namespace clusterctl
