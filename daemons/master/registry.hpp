// The master's registry: what must survive a master restart (admitted agents
// and which of them are unreachable, frameworks, quotas, weights and dynamic
// reservations; see registry_state.hpp), kept by a RegistryStore: a file in
// WORK_DIR when standalone (file_registry_store.hpp), ZooKeeper in HA mode
// (zk_registry_store.hpp).
//
// An update is applied to a copy of the current state, stored, and only then
// becomes current: what state() shows has always reached the store. Updates
// run one at a time, in the order they were made. A change that refuses
// (returns an error) or a store that fails leaves state() as it was, and its
// callback says why.
//
// Threading: owned by the master's io_context thread; callbacks run there.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "core/status.hpp"
#include "daemons/master/registry_state.hpp"
#include "daemons/master/registry_store.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

class Registry {
 public:
  using Change = std::function<Status(RegistryState&)>;
  using Done = std::function<void(Status)>;

  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // A standalone master's registry: loads WORK_DIR/registry (an empty state
  // if there is none yet) and stores there (see FileRegistryStore::load for
  // what refuses to load).
  static StatusOr<std::unique_ptr<Registry>> open(boost::asio::io_context& io,
                                                  const std::string& work_dir);
  // A registry over any store, starting from `state` (what the store holds,
  // as its backend loaded it).
  static std::unique_ptr<Registry> with_store(boost::asio::io_context& io, RegistryState state,
                                              std::unique_ptr<RegistryStore> store);

  const RegistryState& state() const { return state_; }
  // Where it is kept, for logs ("registry file '/w/registry'").
  std::string description() const { return store_->description(); }

  // Queues `change`; `done` runs on the io_context thread once it is stored
  // (OK) or refused/failed (the error). Destroying the Registry destroys its
  // store (the file store waits for its write in flight; a ZooKeeper write
  // in flight may still land); queued changes are dropped without their
  // callbacks.
  void update(Change change, Done done);

 private:
  struct Pending {
    Change change;
    Done done;
  };

  Registry(boost::asio::io_context& io, RegistryState state, std::unique_ptr<RegistryStore> store);
  void start_next();
  void finish(Status stored, std::shared_ptr<RegistryState> changed, Done done);

  boost::asio::io_context& io_;
  RegistryState state_;
  std::unique_ptr<RegistryStore> store_;
  std::shared_ptr<bool> alive_;
  std::deque<Pending> queue_;
  bool storing_ = false;
};

}  // namespace clusterctl
