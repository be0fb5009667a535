#include "daemons/master/zk_registry_writes.hpp"

#include <algorithm>

namespace clusterctl {

namespace {

// Calls `on_changed` with every key whose value differs between the maps
// (present in one only, or unequal), in key order: one pass over both.
template <typename Map, typename F>
void for_each_difference(const Map& a, const Map& b, F&& on_changed) {
  if (&a == &b) return;
  auto i = a.begin();
  auto j = b.begin();
  while (i != a.end() || j != b.end()) {
    if (j == b.end() || (i != a.end() && i->first < j->first)) {
      on_changed(i->first);
      ++i;
    } else if (i == a.end() || j->first < i->first) {
      on_changed(j->first);
      ++j;
    } else {
      if (!(i->second == j->second)) on_changed(i->first);
      ++i;
      ++j;
    }
  }
}

}  // namespace

std::vector<RecordKey> changed_records(const RegistryState& before, const RegistryState& after) {
  std::vector<RecordKey> keys;
  auto collect = [&keys](RecordKind kind) {
    return [&keys, kind](const std::string& key) { keys.push_back(RecordKey{kind, key}); };
  };
  // One agent record holds three maps' entries: it changes with any of them.
  for_each_difference(before.agents, after.agents, collect(RecordKind::kAgent));
  for_each_difference(before.unreachable, after.unreachable, collect(RecordKind::kAgent));
  for_each_difference(before.reservations, after.reservations, collect(RecordKind::kAgent));
  for_each_difference(before.frameworks, after.frameworks, collect(RecordKind::kFramework));
  for_each_difference(before.quotas, after.quotas, collect(RecordKind::kQuota));
  for_each_difference(before.weights, after.weights, collect(RecordKind::kWeight));
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::vector<RecordWrite> record_writes(const RegistryState& before, const RegistryState& after,
                                       const std::vector<RecordKey>& also) {
  std::vector<RecordKey> keys = changed_records(before, after);
  if (!also.empty()) {
    keys.insert(keys.end(), also.begin(), also.end());
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  }
  std::vector<RecordWrite> writes;
  writes.reserve(keys.size());
  for (RecordKey& key : keys) {
    RecordWrite write;
    write.data = encode_record(after, key);
    write.in_before = has_record(before, key);
    write.key = std::move(key);
    writes.push_back(std::move(write));
  }
  return writes;
}

std::vector<RecordOp> record_ops(const std::string& base, const std::vector<RecordWrite>& writes,
                                 const std::map<RecordKey, bool>& known) {
  std::vector<RecordOp> ops;
  ops.reserve(writes.size());
  for (const RecordWrite& write : writes) {
    auto found = known.find(write.key);
    bool exists = found != known.end() ? found->second : write.in_before;
    std::string path = zk_record_path(base, write.key);
    if (write.data) {
      ZkOp op = exists ? ZkOp::set(std::move(path), *write.data)
                       : ZkOp::create(std::move(path), *write.data);
      ops.push_back(RecordOp{write.key, std::move(op), true});
    } else if (exists) {
      ops.push_back(RecordOp{write.key, ZkOp::remove(std::move(path)), false});
    }
  }
  return ops;
}

size_t zk_op_bytes(const ZkOp& op) {
  // The multi header of the op, the path and data with their lengths, a
  // version or flags, and for a create its ACL (world:anyone): under 64 bytes.
  return 64 + op.path.size() + op.data.size();
}

StatusOr<std::vector<ZkBatch>> make_batches(std::vector<RecordOp> ops,
                                            const std::string& fencing_path, size_t limit) {
  for (const RecordOp& op : ops) {
    if (op.op.data.size() > kZkRecordLimit) {
      return Status::invalid(
          "the registry record of " + std::string(record_kind_name(op.key.kind)) + " '" +
          op.key.key + "' takes " + std::to_string(op.op.data.size()) + " bytes, more than the " +
          std::to_string(kZkRecordLimit) + " a ZooKeeper node holds");
    }
  }
  std::vector<ZkBatch> batches;
  ZkOp check = ZkOp::check(fencing_path, 0);
  size_t check_bytes = zk_op_bytes(check);
  for (RecordOp& op : ops) {
    size_t bytes = zk_op_bytes(op.op);
    if (batches.empty() ||
        (batches.back().bytes + bytes > limit && batches.back().ops.size() > 1)) {
      batches.emplace_back();
      batches.back().ops.push_back(check);
      batches.back().bytes = check_bytes;
    }
    ZkBatch& batch = batches.back();
    batch.ops.push_back(std::move(op.op));
    batch.keys.push_back(std::move(op.key));
    batch.exists_after.push_back(op.exists_after);
    batch.bytes += bytes;
  }
  return batches;
}

}  // namespace clusterctl
