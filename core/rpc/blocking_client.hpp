// A synchronous msgpack-RPC client for command-line tools and tests: it owns a
// private io_context and runs it only while a call is in flight.
//
// It follows the leader of HA masters: a zk:// address is resolved to the
// leader ZooKeeper names, and a call answered with not_leader naming the
// leader is sent again to that leader (a standby did nothing, so this is
// safe), at most kMaxLeaderHops times. A not_leader answer naming no leader
// (none elected yet) is retried after a short backoff while the call's
// timeout lasts. Not thread-safe; use one per thread.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/auth/credentials.hpp"
#include "core/duration.hpp"
#include "core/rpc/message.hpp"
#include "core/rpc/tls_options.hpp"
#include "core/status.hpp"

namespace clusterctl {

class BlockingRpcClient {
 public:
  ~BlockingRpcClient();
  BlockingRpcClient(BlockingRpcClient&&) noexcept;
  BlockingRpcClient& operator=(BlockingRpcClient&&) noexcept;

  // Connects to the first reachable address of a comma list
  // ("127.0.0.1:5050,127.0.0.1:5052"), or to the leader a zk:// address
  // names, and performs the hello exchange; all within `timeout`. Over TLS
  // when `tls` has a CA; then authenticates as `credential`
  // (core/auth/client_authentication.hpp) when set. Both also for every
  // leader it follows.
  static StatusOr<BlockingRpcClient> connect(const std::string& addresses, Duration timeout,
                                             std::optional<Credential> credential,
                                             const TlsClientOptions& tls);
  static StatusOr<BlockingRpcClient> connect(const std::string& addresses, Duration timeout);
  static StatusOr<BlockingRpcClient> connect(const std::string& addresses, Duration timeout,
                                             std::optional<Credential> credential);
  static StatusOr<BlockingRpcClient> connect(const std::string& addresses, Duration timeout,
                                             const TlsClientOptions& tls);

  // Calls `method`, following not_leader answers (see above), all within
  // `timeout`.
  StatusOr<RpcValue> call(const std::string& method, const Payload& params, Duration timeout);

  // Calls `method` on the master connected now, without following a
  // not_leader answer (to ask that master itself).
  StatusOr<RpcValue> call_here(const std::string& method, const Payload& params, Duration timeout);

  // The host:port connected to now (the leader, once a call followed one).
  const std::string& address() const;

 private:
  struct State;
  explicit BlockingRpcClient(std::unique_ptr<State> state);
  // Closes the connection and connects to `address` instead.
  Status reconnect(const std::string& address, Duration timeout);
  std::unique_ptr<State> state_;
};

}  // namespace clusterctl
