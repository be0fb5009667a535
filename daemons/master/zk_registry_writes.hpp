// What a ZooKeeper registry store writes for one change: the records that
// differ between two states, as create/set/delete operations, cut into
// multi batches that each stay under a byte limit and each begin with a check
// of the fencing node (the leader's own election znode at version 0), so
// that a master that is no longer the leader cannot write at all.
//
// Pure functions: thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "core/zk/zk_client.hpp"
#include "daemons/master/zk_registry_records.hpp"

namespace clusterctl {

// The requests of one multi stay under this many bytes (ZooKeeper refuses
// more than about 1 MB in one request).
inline constexpr size_t kZkBatchLimit = 512 * 1024;
// The largest record a node takes, with room left for the request around it.
inline constexpr size_t kZkRecordLimit = 1000 * 1000;

// The records whose contents differ between the states, sorted.
std::vector<RecordKey> changed_records(const RegistryState& before, const RegistryState& after);

// One record to write: its contents in the new state (std::nullopt: gone).
struct RecordWrite {
  RecordKey key;
  std::optional<std::string> data;
  bool in_before = false;  // whether `before` has it
};
// The writes that make `after` stored where `before` was, plus those of the
// records in `also` (their contents in `after`, whether they changed or not).
std::vector<RecordWrite> record_writes(const RegistryState& before, const RegistryState& after,
                                       const std::vector<RecordKey>& also);

// One operation on a record, and whether the record exists once it is done.
struct RecordOp {
  RecordKey key;
  ZkOp op;
  bool exists_after = false;
};
// Create, set or delete for each write. A record exists in ZooKeeper when
// `in_before` says so, unless `known` (what earlier partial writes left)
// says otherwise. A write of nothing over nothing needs no operation.
std::vector<RecordOp> record_ops(const std::string& base, const std::vector<RecordWrite>& writes,
                                 const std::map<RecordKey, bool>& known);

// One multi.
struct ZkBatch {
  std::vector<ZkOp> ops;           // ops[0] checks the fencing node
  std::vector<RecordKey> keys;     // keys[i]: the record of ops[i + 1]
  std::vector<bool> exists_after;  // whether keys[i] exists once ops[i + 1] is done
  size_t bytes = 0;                // the estimated size of its request
};
// The estimated bytes of one operation in a multi request (an upper bound).
size_t zk_op_bytes(const ZkOp& op);
// The operations in order, in batches of at most `limit` bytes (a record
// larger than that on its own makes a batch alone). A record over
// kZkRecordLimit is an error naming it, before anything is written.
StatusOr<std::vector<ZkBatch>> make_batches(std::vector<RecordOp> ops,
                                            const std::string& fencing_path,
                                            size_t limit = kZkBatchLimit);

}  // namespace clusterctl
