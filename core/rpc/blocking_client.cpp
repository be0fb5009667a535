#include "core/rpc/blocking_client.hpp"

#include <vector>

#include "core/asio.hpp"
#include "core/rpc/rpc.hpp"

namespace clusterctl {

struct BlockingRpcClient::State {
  asio::io_context io;
  RpcConnectionPtr connection;

  ~State() {
    if (connection) connection->close("client done");
    connection.reset();
    io.restart();
    io.poll();  // let the connection's coroutines see the close and end
  }

  // Runs the loop until `finished` is set by a callback.
  void run_until(const bool& finished) {
    io.restart();
    while (!finished && io.run_one() > 0) {
    }
  }
};

BlockingRpcClient::BlockingRpcClient(std::unique_ptr<State> state) : state_(std::move(state)) {}
BlockingRpcClient::~BlockingRpcClient() = default;
BlockingRpcClient::BlockingRpcClient(BlockingRpcClient&&) noexcept = default;
BlockingRpcClient& BlockingRpcClient::operator=(BlockingRpcClient&&) noexcept = default;

StatusOr<BlockingRpcClient> BlockingRpcClient::connect(const std::string& addresses,
                                                       Duration timeout) {
  auto state = std::make_unique<State>();
  std::vector<std::string> list = split_address_list(addresses);
  if (list.empty()) return Status::invalid("no address given");
  Status last_error;
  for (const std::string& address : list) {
    bool finished = false;
    StatusOr<RpcConnectionPtr> result = Status::internal("connect did not finish");
    rpc_connect(state->io, address, RpcHandlers(), timeout,
                [&](StatusOr<RpcConnectionPtr> connection) {
                  result = std::move(connection);
                  finished = true;
                });
    state->run_until(finished);
    if (result) {
      state->connection = *result;
      return BlockingRpcClient(std::move(state));
    }
    last_error = result.status();
  }
  return last_error;
}

StatusOr<RpcValue> BlockingRpcClient::call(const std::string& method, const Payload& params,
                                           Duration timeout) {
  bool finished = false;
  StatusOr<RpcValue> result = Status::internal("call did not finish");
  state_->connection->call(method, params, timeout, [&](StatusOr<RpcValue> reply) {
    result = std::move(reply);
    finished = true;
  });
  state_->run_until(finished);
  return result;
}

}  // namespace clusterctl
