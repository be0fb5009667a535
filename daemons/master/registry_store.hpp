// RegistryStore: where the master's registry is kept, behind the Registry
// (daemons/master/registry.hpp). Two backends: a checksummed file in WORK_DIR
// for a standalone master (file_registry_store.hpp) and one znode per record
// in ZooKeeper for masters in HA mode (zk_registry_store.hpp). A store only
// writes; each backend loads its state in its own way and hands it with the
// store to Registry::with_store.
//
// Threading: owned by the master's io_context thread; store() is called
// there, and its `done` runs there.
#pragma once

#include <functional>
#include <string>

#include "core/status.hpp"
#include "daemons/master/registry_state.hpp"

namespace clusterctl {

class RegistryStore {
 public:
  using Done = std::function<void(Status)>;
  virtual ~RegistryStore() = default;

  // Makes `after` what is stored, where `before` is what the last successful
  // store() (or the load) left. `done` gets OK once `after` is stored in
  // full, or the reason it is not; it runs on the loop thread, maybe before
  // store() returns. Both states are read only during the call. One store at
  // a time: the next is called only after `done` of the previous one ran.
  // After a failure the next call passes the same `before` again.
  virtual void store(const RegistryState& before, const RegistryState& after, Done done) = 0;

  // Where the registry is, for logs and errors: "registry file
  // '/w/registry'", "ZooKeeper registry zk://h:2181/clusterctl/registry".
  virtual std::string description() const = 0;
};

}  // namespace clusterctl
