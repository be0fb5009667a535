// ConnectionTable: a server's bookkeeping of its live connections, for the
// bounds one peer may not exceed. It refuses a connection past the cap per
// peer (IP address) or in total, adds up the bytes of unfinished frames that
// connections hold and names the one to close (the largest) when the total
// passes its cap, and names the connections to shed when file descriptors run
// out: the oldest that have not made their first request yet (an RPC hello or
// an HTTP request head), which a legitimate client makes at once.
//
// Bookkeeping only: a connection is closed through the Closer it was added
// with (close() takes it out of the table first, so a closer that calls
// remove() is harmless). One io_context thread; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.hpp"

namespace clusterctl {

struct ConnectionLimits {
  size_t max_connections = 10000;
  size_t max_connections_per_peer = 10000;
  size_t max_unfinished_frame_bytes = 64 * 1024 * 1024;  // all connections together
};

class ConnectionTable {
 public:
  using Closer = std::function<void(const std::string& reason)>;

  explicit ConnectionTable(ConnectionLimits limits) : limits_(limits) {}

  // OK, or why a new connection from `peer` (an IP address) is refused.
  Status admit(const std::string& peer) const;
  // Adds an admitted connection; returns its key in the table.
  uint64_t add(const std::string& peer, Closer close);
  // Replaces how the connection is closed (it changed hands).
  void set_closer(uint64_t key, Closer close);
  // Takes the connection out (it closed); returns the most bytes of
  // unfinished frames it ever held. Unknown keys are ignored (returns 0).
  size_t remove(uint64_t key);
  // Takes the connection out and closes it with `reason`.
  void close(uint64_t key, const std::string& reason);
  // Closes every connection (the server stops).
  void close_all(const std::string& reason);

  // The connection made its first request: it is no longer idle.
  void set_established(uint64_t key);
  // The connection now holds `bytes` of an unfinished frame. Returns the
  // connections to close, largest holder first, until the total is back
  // within its cap (possibly `key` itself).
  std::vector<uint64_t> set_unfinished(uint64_t key, size_t bytes);
  // The largest unfinished frame `key` held since the last call (then 0).
  size_t take_peak(uint64_t key);
  // Up to `count` connections that made no request yet, oldest first.
  std::vector<uint64_t> oldest_idle(size_t count) const;

  size_t size() const { return entries_.size(); }
  size_t count_of(const std::string& peer) const;
  // The peer of a connection ("" if unknown).
  std::string peer_of(uint64_t key) const;
  size_t unfinished_bytes() const { return unfinished_total_; }
  const ConnectionLimits& limits() const { return limits_; }

 private:
  struct Entry {
    std::string peer;
    Closer close;
    bool established = false;
    size_t unfinished = 0;
    size_t peak = 0;
  };

  ConnectionLimits limits_;
  uint64_t next_key_ = 1;
  std::map<uint64_t, Entry> entries_;  // by key: oldest first
  std::unordered_map<std::string, size_t> per_peer_;
  size_t unfinished_total_ = 0;
};

}  // namespace clusterctl
