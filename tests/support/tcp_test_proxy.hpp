// A TCP proxy on 127.0.0.1 (a port the OS picks) in front of a loopback
// port, which a test can cut: a network partition between a client and a
// server that keeps running (for instance a ZooKeeper session that expires
// because its client cannot reach the server, while the server lives on).
//
//   TcpTestProxy proxy(zk.port());
//   ... connect to proxy.address() ...
//   proxy.cut();     // every connection closed; new ones closed at once
//   proxy.resume();  // connections pass again
//
// Threading: it runs its own io_context on its own thread; the public
// methods are thread-safe and return once the change took effect.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace clusterctl {

class TcpTestProxy {
 public:
  explicit TcpTestProxy(uint16_t upstream_port);
  ~TcpTestProxy();
  TcpTestProxy(const TcpTestProxy&) = delete;
  TcpTestProxy& operator=(const TcpTestProxy&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void cut();
  void resume();

  struct State;  // shared with the forwarding handlers

 private:
  std::shared_ptr<State> state_;
  std::thread thread_;
  uint16_t port_ = 0;
};

}  // namespace clusterctl
