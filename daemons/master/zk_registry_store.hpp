// ZkRegistryStore: the registry of masters in HA mode, in ZooKeeper under
// <base>/registry (base is the path of the zk:// address, "/clusterctl"),
// one znode per record (layout in zk_registry_records.hpp). Only the elected
// leader writes: every multi it sends begins with a check that its own
// election znode (the fencing node given at construction) still exists at
// version 0, so a master whose session expired, or whose node is gone, writes
// nothing (the election must therefore never set that node's data). Such a
// store fails with kFailedPrecondition, "this master is no longer the leader".
//
// A store writes only the records that changed, in multi batches of at most
// ~512 KB of requests (zk_registry_writes.hpp), one batch after the other. A
// batch is all or nothing; a change that needs several batches is not: if a
// later batch fails, the earlier ones stay written, and ZooKeeper holds some
// records of the new state and the others of the old one. Every record is
// complete on its own, so that mix is still a consistent registry (each agent,
// framework, quota and weight as it was either before or after the change);
// the store reports the failure, the Registry keeps the old state, and the
// store remembers which records the partial write left (and which are in
// doubt after a lost connection: it asks ZooKeeper before its next write), so
// the next store writes exactly what makes ZooKeeper hold the new state. A
// new leader loads whatever set of records is there.
//
// Threading: owned by the io_context thread of its ZkClient; `done` runs
// there. Destroying the store drops the `done` of a write in flight (whose
// batches may still land).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/zk/zk_client.hpp"
#include "daemons/master/registry_store.hpp"
#include "daemons/master/zk_registry_writes.hpp"

namespace clusterctl {

class ZkRegistryStore : public RegistryStore {
 public:
  using Loaded = std::function<void(StatusOr<RegistryState>)>;

  // `client` outlives the store. `fencing_path`: the leader's own ephemeral
  // election znode. `batch_limit`: the bytes of requests in one multi (lower
  // only in tests).
  ZkRegistryStore(ZkClient& client, std::string base, std::string fencing_path,
                  size_t batch_limit = kZkBatchLimit);
  ~ZkRegistryStore() override;

  // Reads the registry under <base>/registry, creating its layout (empty)
  // if there is none. A damaged record or format node, or a format newer
  // than this clusterctl reads, is an error naming the znode. All reads are
  // pipelined. `done` runs on the client's loop thread.
  static void load(ZkClient& client, const std::string& base, Loaded done);

  void store(const RegistryState& before, const RegistryState& after, Done done) override;
  std::string description() const override;

 private:
  struct Write;
  void resolve_doubts(std::shared_ptr<Write> write);
  void plan(std::shared_ptr<Write> write);
  void write_batch(std::shared_ptr<Write> write);
  void batch_done(std::shared_ptr<Write> write, Status status);
  void report_failure(std::shared_ptr<Write> write, Status status);

  ZkClient& client_;
  std::string base_;
  std::string fencing_path_;
  size_t batch_limit_;
  // Records whose existence in ZooKeeper differs from what `before` says,
  // after a store that failed part way: true/false, or std::nullopt when a
  // batch's outcome is unknown.
  std::map<RecordKey, std::optional<bool>> drift_;
  std::shared_ptr<bool> alive_;
};

}  // namespace clusterctl
