#include "core/rpc/blocking_client.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "core/asio.hpp"
#include "core/auth/client_authentication.hpp"
#include "core/rpc/rpc.hpp"
#include "core/zk/leader_lookup.hpp"
#include "core/zk/master_candidates.hpp"
#include "core/zk/zk_address.hpp"

namespace clusterctl {

namespace {

// Waits between calls to a standby while no leader is elected.
constexpr Duration kNoLeaderBackoffMin{100};
constexpr Duration kNoLeaderBackoffMax{1000};

using Clock = std::chrono::steady_clock;

Duration remaining(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<Duration>(deadline - Clock::now());
  return std::max(left, Duration(0));
}

}  // namespace

struct BlockingRpcClient::State {
  asio::io_context io;
  RpcConnectionPtr connection;
  std::string address;
  std::optional<Credential> credential;  // authenticates every connection when set
  TlsClientOptions tls;

  ~State() { close(); }

  void close() {
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

  StatusOr<RpcConnectionPtr> open(const std::string& host_port, Duration timeout) {
    bool finished = false;
    StatusOr<RpcConnectionPtr> result = Status::internal("connect did not finish");
    rpc_connect(
        io, host_port, RpcHandlers(), timeout,
        [&](StatusOr<RpcConnectionPtr> connection) {
          result = std::move(connection);
          finished = true;
        },
        kDefaultMaxFrameBytes, tls);
    run_until(finished);
    if (!result || !credential) return result;
    Status authenticated = authenticate(*result, timeout);
    if (!authenticated) {
      (*result)->close("authentication failed");
      return authenticated;
    }
    return result;
  }

  Status authenticate(const RpcConnectionPtr& opened, Duration timeout) {
    bool finished = false;
    Status result = Status::internal("authentication did not finish");
    authenticate_connection(opened, credential, timeout, [&](Status status) {
      result = std::move(status);
      finished = true;
    });
    run_until(finished);
    return result;
  }

  StatusOr<RpcValue> call_once(const std::string& method, const Payload& params, Duration timeout) {
    bool finished = false;
    StatusOr<RpcValue> result = Status::internal("call did not finish");
    connection->call(method, params, timeout, [&](StatusOr<RpcValue> reply) {
      result = std::move(reply);
      finished = true;
    });
    run_until(finished);
    return result;
  }
};

BlockingRpcClient::BlockingRpcClient(std::unique_ptr<State> state) : state_(std::move(state)) {}
BlockingRpcClient::~BlockingRpcClient() = default;
BlockingRpcClient::BlockingRpcClient(BlockingRpcClient&&) noexcept = default;
BlockingRpcClient& BlockingRpcClient::operator=(BlockingRpcClient&&) noexcept = default;

StatusOr<BlockingRpcClient> BlockingRpcClient::connect(const std::string& addresses,
                                                       Duration timeout) {
  return connect(addresses, timeout, std::nullopt, TlsClientOptions{});
}

StatusOr<BlockingRpcClient> BlockingRpcClient::connect(const std::string& addresses,
                                                       Duration timeout,
                                                       std::optional<Credential> credential) {
  return connect(addresses, timeout, std::move(credential), TlsClientOptions{});
}

StatusOr<BlockingRpcClient> BlockingRpcClient::connect(const std::string& addresses,
                                                       Duration timeout,
                                                       const TlsClientOptions& tls) {
  return connect(addresses, timeout, std::nullopt, tls);
}

StatusOr<BlockingRpcClient> BlockingRpcClient::connect(const std::string& addresses,
                                                       Duration timeout,
                                                       std::optional<Credential> credential,
                                                       const TlsClientOptions& tls) {
  auto state = std::make_unique<State>();
  state->credential = std::move(credential);
  state->tls = tls;
  auto deadline = Clock::now() + timeout;
  std::string list = addresses;
  if (is_zk_address(addresses)) {
    StatusOr<std::string> leader = resolve_master(addresses, timeout);
    if (!leader) return leader.status();
    list = *leader;
  }
  std::vector<std::string> items = split_address_list(list);
  if (items.empty()) return Status::invalid("no address given");
  Status last_error;
  for (const std::string& address : items) {
    StatusOr<RpcConnectionPtr> connection = state->open(address, remaining(deadline));
    if (connection) {
      state->connection = *connection;
      state->address = address;
      return BlockingRpcClient(std::move(state));
    }
    last_error = connection.status();
    if (last_error.kind() == ErrorKind::kUnauthenticated) return last_error;
    if (remaining(deadline).count() == 0) break;
  }
  if (list != addresses) {
    return Status::unavailable("the leading master that ZooKeeper names, " + list +
                               ", cannot be reached: " + last_error.message());
  }
  return last_error;
}

Status BlockingRpcClient::reconnect(const std::string& address, Duration timeout) {
  state_->close();
  StatusOr<RpcConnectionPtr> connection = state_->open(address, timeout);
  if (!connection) return connection.status();
  state_->connection = *connection;
  state_->address = address;
  return Status::ok();
}

StatusOr<RpcValue> BlockingRpcClient::call(const std::string& method, const Payload& params,
                                           Duration timeout) {
  auto deadline = Clock::now() + timeout;
  std::string path = state_->address;  // the masters asked, for the error
  Duration backoff = kNoLeaderBackoffMin;
  int hops = 0;
  while (true) {
    if (!state_->connection) {
      return Status::unavailable("not connected to a master (" + path + ")");
    }
    StatusOr<RpcValue> reply = state_->call_once(method, params, remaining(deadline));
    if (reply || reply.status().kind() != ErrorKind::kNotLeader) return reply;
    const std::string& leader = reply.status().leader();
    if (leader.empty()) {
      // No leader elected yet: ask again soon, while time lasts.
      if (remaining(deadline) <= backoff) {
        return Status::unavailable("no master leads: " + state_->address +
                                   " stands by and no leader was elected within " +
                                   format_duration(timeout));
      }
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, kNoLeaderBackoffMax);
      continue;
    }
    if (hops == kMaxLeaderHops) {
      return Status::unavailable("the masters keep naming another leader (" + path + " -> " +
                                 leader + "); try again once the election settles");
    }
    ++hops;
    std::string standby = state_->address;
    path += " -> " + leader;
    Status moved = reconnect(leader, remaining(deadline));
    if (!moved) {
      return Status::unavailable("the master at " + standby + " stands by and names " + leader +
                                 " as the leader, which cannot be reached: " + moved.message());
    }
  }
}

StatusOr<RpcValue> BlockingRpcClient::call_here(const std::string& method, const Payload& params,
                                                Duration timeout) {
  if (!state_->connection) return Status::unavailable("not connected to a master");
  return state_->call_once(method, params, timeout);
}

const std::string& BlockingRpcClient::address() const {
  return state_->address;
}

}  // namespace clusterctl
