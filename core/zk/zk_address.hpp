// ZkAddress: a ZooKeeper address as users write it wherever a master address
// goes, "zk://[user:pass@]host:port[,host:port...]/path". Pure values and
// functions; thread-safe.
#pragma once

#include <string>

#include "core/status.hpp"

namespace clusterctl {

struct ZkAddress {
  std::string servers;   // "h1:2181,h2:2181", as zookeeper_init takes it
  std::string path;      // "/clusterctl": absolute, no trailing slash, never "/"
  std::string user;      // digest credentials ("" when none were given)
  std::string password;  // secret: never logged (to_string leaves it out)

  // "zk://h1:2181,h2:2181/clusterctl" (the user, never the password).
  std::string to_string() const;
};

// Whether `text` is meant as a ZooKeeper address (starts with "zk://").
bool is_zk_address(const std::string& text);

// Parses and checks a zk:// address; the error says what is wrong
// ("zk://127.0.0.1/x: missing port in '127.0.0.1'"). Hosts are names or IPv4
// addresses, ports 1-65535, the path is made of znode names (no empty, "." or
// ".." parts, no "zookeeper" at its root), and the whole is bounded in length.
StatusOr<ZkAddress> parse_zk_address(const std::string& text);

// Checks any master address: "host:port", a comma list of them, or zk://.
Status check_master_address(const std::string& text);

}  // namespace clusterctl
