// Real ZooKeeper servers for tests (Debian's `zookeeper` package): a
// standalone server, or an ensemble of three, each node a JVM on loopback
// ports picked free, with its data in a fresh temp dir. Every JVM is started
// by fork/exec (the pid held is the JVM's), dies with the test process
// (PR_SET_PDEATHSIG), and is stopped by its pid: SIGTERM, then SIGKILL.
//
//   SKIP_WITHOUT_ZOOKEEPER();
//   ZkTestServer zk;
//   ASSERT_TRUE(zk.start().is_ok());
//   ... "zk://" + zk.connect_string() + "/test" ...
//
// Threading: test thread only (start the servers from the thread that stays
// alive for the test: the servers die with the thread that forked them).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace clusterctl {

// Why ZooKeeper servers cannot run here (the package is not installed), or
// std::nullopt when they can.
std::optional<std::string> zk_server_unavailable();

#define SKIP_WITHOUT_ZOOKEEPER()                                                                \
  do {                                                                                          \
    if (auto zk_missing_ = ::clusterctl::zk_server_unavailable()) GTEST_SKIP() << *zk_missing_; \
  } while (0)

// One server process of a standalone server or an ensemble.
class ZkTestNode {
 public:
  // Writes dir/zoo.cfg (and dir/data/myid for an ensemble member).
  ZkTestNode(std::string dir, uint16_t client_port, std::string extra_config, int myid);
  ~ZkTestNode();
  ZkTestNode(const ZkTestNode&) = delete;
  ZkTestNode& operator=(const ZkTestNode&) = delete;

  // Starts the JVM; returns at once (wait_serving waits for it).
  Status launch();
  // Until the node answers `srvr` as a serving member (bounded).
  Status wait_serving(int seconds);
  // SIGTERM, SIGKILL after 5 s, reaped. No-op when not running.
  void stop();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  uint16_t client_port() const { return client_port_; }
  // The last lines of the server's output, for failure messages.
  std::string log_tail() const;

 private:
  std::string dir_;
  uint16_t client_port_;
  pid_t pid_ = -1;
};

// A standalone server on 127.0.0.1.
class ZkTestServer {
 public:
  ZkTestServer();  // picks the port and the dir; does not start
  ~ZkTestServer();
  // Starts and waits until it serves (at most 30 s).
  Status start();
  void stop();
  // stop() then start(): the same port and data (for outage tests).
  Status restart();
  bool running() const { return node_->running(); }
  pid_t pid() const { return node_->pid(); }
  uint16_t port() const { return node_->client_port(); }
  std::string connect_string() const;  // "127.0.0.1:PORT"
  // "zk://127.0.0.1:PORT" + path
  std::string zk_url(const std::string& path) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::unique_ptr<ZkTestNode> node_;
};

// An ensemble of `size` nodes on 127.0.0.1 (nodes are numbered from 1).
class ZkTestEnsemble {
 public:
  explicit ZkTestEnsemble(int size = 3);
  ~ZkTestEnsemble();
  // Starts every node and waits until all of them serve (at most 60 s).
  Status start();
  void stop();
  void stop_node(int n);
  // Starts node n again (same ports and data) and waits until it serves.
  Status start_node(int n);
  int size() const { return static_cast<int>(nodes_.size()); }
  ZkTestNode& node(int n) { return *nodes_.at(n - 1); }
  std::string connect_string() const;  // "127.0.0.1:P1,127.0.0.1:P2,..."
  std::string zk_url(const std::string& path) const;

 private:
  std::string dir_;
  std::vector<std::unique_ptr<ZkTestNode>> nodes_;
};

}  // namespace clusterctl
