// A synchronous msgpack-RPC client for command-line tools and tests: it owns a
// private io_context and runs it only while a call is in flight. Not
// thread-safe; use one per thread.
#pragma once

#include <memory>
#include <string>

#include "core/duration.hpp"
#include "core/rpc/message.hpp"
#include "core/status.hpp"

namespace clusterctl {

class BlockingRpcClient {
 public:
  ~BlockingRpcClient();
  BlockingRpcClient(BlockingRpcClient&&) noexcept;
  BlockingRpcClient& operator=(BlockingRpcClient&&) noexcept;

  // Connects to the first reachable address of a comma list
  // ("127.0.0.1:5050,127.0.0.1:5052") and performs the hello exchange.
  static StatusOr<BlockingRpcClient> connect(const std::string& addresses, Duration timeout);

  StatusOr<RpcValue> call(const std::string& method, const Payload& params, Duration timeout);

 private:
  struct State;
  explicit BlockingRpcClient(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace clusterctl
