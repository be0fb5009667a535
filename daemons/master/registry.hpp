// The master's registry: what must survive a master restart. Admitted agents
// (and which of them are unreachable), frameworks, quotas, weights and
// dynamic reservations, kept as one msgpack
// map in WORK_DIR/registry when standalone (ZooKeeper takes this role in HA
// mode, behind the same interface), in the checksummed frame of
// core/file_frame.hpp.
//
// An update is applied to a copy of the current state, stored atomically
// (write, fsync, rename) on a worker thread, and only then becomes current:
// what state() shows has always reached the disk. Updates run one at a time,
// in the order they were made. A change that refuses (returns an error) or a
// store that fails leaves everything as it was, and its callback says why.
//
// Threading: owned by the master's io_context thread; callbacks run there.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <msgpack.hpp>

#include "core/messages.hpp"
#include "core/status.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

struct QuotaConfig {
  std::string role;
  Resources guarantee;  // held back for the role
  Resources limit;      // never exceeded (empty: no limit)
  MSGPACK_DEFINE_MAP(role, guarantee, limit);
};

struct RegistryState {
  uint32_t format_version = 1;
  std::map<std::string, AgentInfo> agents;          // admitted agents, by id
  std::map<std::string, FrameworkInfo> frameworks;  // by id
  std::map<std::string, QuotaConfig> quotas;        // by role
  std::map<std::string, double> weights;            // by role (absent: 1)
  std::map<std::string, Resources> reservations;    // dynamic reservations, by agent id
  // Agents marked unreachable: wall-clock seconds since when, by agent id.
  // They are forgotten after --registry-max-agent-age (see master_agent_gc.cpp).
  std::map<std::string, double> unreachable;
  MSGPACK_DEFINE_MAP(format_version, agents, frameworks, quotas, weights, reservations,
                     unreachable);
};

class Registry {
 public:
  using Change = std::function<Status(RegistryState&)>;
  using Done = std::function<void(Status)>;

  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Loads WORK_DIR/registry (an empty state if there is none yet). A file that
  // cannot be read or decoded, or whose checksum does not match, is an error
  // naming it: the master must not start and overwrite what it cannot read. A
  // file written before the frame (a bare msgpack map) still loads; the next
  // store frames it.
  static StatusOr<std::unique_ptr<Registry>> open(boost::asio::io_context& io,
                                                  const std::string& work_dir);

  const RegistryState& state() const { return state_; }
  const std::string& path() const { return path_; }

  // Queues `change`; `done` runs on the io_context thread once it is stored
  // (OK) or refused/failed (the error). Destroying the Registry waits for the
  // store in flight; queued changes are dropped without their callbacks.
  void update(Change change, Done done);

 private:
  struct Pending {
    Change change;
    Done done;
  };
  struct Worker;

  Registry(boost::asio::io_context& io, std::string path, RegistryState state);
  void start_next();

  boost::asio::io_context& io_;
  std::string path_;
  RegistryState state_;
  std::unique_ptr<Worker> worker_;
  std::shared_ptr<bool> alive_;
  std::deque<Pending> queue_;
  bool storing_ = false;
};

// The registry as bytes (framed) and back; `what` names the file in errors
// (exposed for tests and tools).
std::string encode_registry(const RegistryState& state);
StatusOr<RegistryState> decode_registry(const std::string& bytes, const std::string& what);

}  // namespace clusterctl
