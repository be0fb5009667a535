// Blocking lookups through ZooKeeper for command-line tools (never for a
// daemon's loop): each runs a private io_context with its own ZkClient until
// it has the answer or its timeout passes.
// Thread-compatible: one call at a time per thread.
#pragma once

#include <string>
#include <vector>

#include "core/duration.hpp"
#include "core/status.hpp"
#include "core/zk/master_detector.hpp"

namespace clusterctl {

// The leading master's host:port when `masters` is a zk:// address; any other
// address (host:port or a comma list) is returned as it is. Errors say why no
// leader was found ("no master leads under zk://127.0.0.1:2181/clusterctl",
// "cannot reach ZooKeeper at 127.0.0.1:2181 within 5s").
StatusOr<std::string> resolve_master(const std::string& masters, Duration timeout);

// Every contending master behind a zk:// address, leader first.
StatusOr<std::vector<ContenderInfo>> list_masters(const ZkAddress& address, Duration timeout);

}  // namespace clusterctl
