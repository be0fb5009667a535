// ZkClient: one ZooKeeper session (the multi-threaded C client,
// libzookeeper_mt) driven from an io_context. Every call is asynchronous: the
// C client's own threads do the I/O and every completion and watch is posted
// back to the io_context, so nothing here ever blocks the loop.
//
// Session events (connected, disconnected, expired) arrive through
// Options::on_session. A session that expired is dead for good: make a new
// ZkClient (every call on it fails with kUnavailable). Paths are absolute
// ZooKeeper paths (no chroot is used).
//
// Expiry is decided by the servers, and only a server that runs expires a
// session: while the client cannot reach any server it sees kDisconnected,
// and learns of kExpired only once it reaches a server again. While every
// server is down no session expires (a restarted server gives each session a
// fresh timeout), so a client that must act on a lost session (a leader that
// steps down) counts its own time since kDisconnected.
//
// With digest credentials in the address, the nodes it creates are readable
// by anyone and writable only by the same credentials; without them, open.
//
// Errors map to Status kinds: no node -> kNotFound, node exists ->
// kAlreadyExists, bad version or a failed check in a multi ->
// kFailedPrecondition, connection loss, timeouts and an expired or closing
// session -> kUnavailable; the message names the path and ZooKeeper's reason.
//
// Threading: a ZkClient belongs to one io_context thread; call it and destroy
// it there. Callbacks run there too, never after the ZkClient is destroyed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/duration.hpp"
#include "core/status.hpp"
#include "core/zk/zk_address.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

enum class ZkSessionEvent {
  kConnected,     // (re)connected; the session is alive
  kDisconnected,  // the connection dropped; the client is reconnecting
  kExpired,       // the session is gone (its ephemeral nodes too)
  kAuthFailed,    // the digest credentials were refused
};
const char* zk_session_event_name(ZkSessionEvent event);

struct ZkStat {
  int64_t ctime_ms = 0;  // creation, wall-clock milliseconds
  int64_t mtime_ms = 0;
  int32_t version = 0;  // of the data
  int32_t cversion = 0;
  int64_t ephemeral_owner = 0;  // the session id of an ephemeral node's owner, else 0
  int32_t num_children = 0;
};

struct ZkNode {
  std::string data;
  ZkStat stat;
};

enum class ZkCreateMode { kPersistent, kEphemeral, kEphemeralSequential };

// One operation of a multi: all of them happen, or none.
struct ZkOp {
  enum class Type { kCreate, kSet, kDelete, kCheck };
  Type type = Type::kCheck;
  std::string path;
  std::string data;                                        // kCreate, kSet
  int32_t version = -1;                                    // kSet, kDelete, kCheck: -1 any version
  static ZkOp create(std::string path, std::string data);  // persistent
  static ZkOp set(std::string path, std::string data, int32_t version = -1);
  static ZkOp remove(std::string path, int32_t version = -1);
  static ZkOp check(std::string path, int32_t version);
};

class ZkClient {
 public:
  struct Options {
    ZkAddress address;
    Duration session_timeout{10000};
    std::function<void(ZkSessionEvent)> on_session;
  };
  // A one-shot watch: runs once (on the loop) when what it watches changes.
  using Watch = std::function<void()>;
  using Done = std::function<void(Status)>;

  // Starts a session; it connects in the background (on_session says when).
  // Only a bad address or a C client that cannot start is an error here.
  static StatusOr<std::unique_ptr<ZkClient>> start(boost::asio::io_context& io, Options options);
  // Closes the session (its ephemeral nodes go at once); bounded by the
  // session timeout. Pending callbacks are dropped.
  ~ZkClient();

  bool connected() const;
  // 0 until the first connection.
  int64_t session_id() const;
  // The timeout the server agreed to (the requested one until connected).
  Duration session_timeout() const;
  const ZkAddress& address() const;

  // `data` of at most 1 MB. `done` gets the created path (with the sequence
  // number for kEphemeralSequential).
  void create(const std::string& path, const std::string& data, ZkCreateMode mode,
              std::function<void(StatusOr<std::string>)> done);
  // Creates `path` and its missing parents as empty persistent nodes.
  void ensure_path(const std::string& path, Done done);
  void get(const std::string& path, std::function<void(StatusOr<ZkNode>)> done,
           Watch watch = nullptr);
  void set(const std::string& path, const std::string& data, int32_t version, Done done);
  // Names of the children (not full paths), in ZooKeeper's order.
  void children(const std::string& path,
                std::function<void(StatusOr<std::vector<std::string>>)> done,
                Watch watch = nullptr);
  // std::nullopt when there is no such node; the watch fires on its creation
  // as well as on its change or deletion.
  void exists(const std::string& path, std::function<void(StatusOr<std::optional<ZkStat>>)> done,
              Watch watch = nullptr);
  void remove(const std::string& path, int32_t version, Done done);
  // All or nothing. On failure the message names the first operation that
  // failed and why. At most 1 MB of requests in one multi (the server's limit).
  void multi(std::vector<ZkOp> ops, Done done);

 private:
  struct Impl;
  explicit ZkClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace clusterctl
