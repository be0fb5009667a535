#include "core/zk/leader_lookup.hpp"

#include <optional>
#include <thread>

#include "core/asio.hpp"

namespace clusterctl {

namespace {

// Runs `io` until `done()` or the deadline; false when the deadline passed.
// The ZkClient's completions are posted from its own threads, so the loop may
// have no work in between: a context that ran out of work stops, and must be
// restarted to run what is posted later.
bool run_until(asio::io_context& io, const std::function<bool()>& done, Duration timeout) {
  // The answers are posted by the C client's threads: without this guard an
  // io_context with nothing queued yet would stop and never run them.
  // (Releasing the guard of an earlier wait stopped it: start it again.)
  if (io.stopped()) io.restart();
  auto guard = asio::make_work_guard(io);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    if (io.run_one_for(std::chrono::milliseconds(20)) == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  return true;
}

Status unreachable(const ZkAddress& address, Duration timeout) {
  return Status::unavailable("cannot reach ZooKeeper at " + address.servers + " within " +
                             format_duration(timeout));
}

// A started client, connected within `timeout`.
StatusOr<std::unique_ptr<ZkClient>> connect(asio::io_context& io, const ZkAddress& address,
                                            Duration timeout, std::optional<Status>* failure) {
  ZkClient::Options options;
  options.address = address;
  options.session_timeout = std::max(timeout, Duration(4000));
  options.on_session = [failure, address](ZkSessionEvent event) {
    if (event == ZkSessionEvent::kAuthFailed) {
      *failure = Status::failed_precondition("ZooKeeper at " + address.servers +
                                             " refused the credentials of " + address.to_string());
    }
  };
  auto zk = ZkClient::start(io, options);
  if (!zk) return zk.status();
  ZkClient* client = zk->get();
  if (!run_until(
          io, [&] { return client->connected() || failure->has_value(); }, timeout))
    return unreachable(address, timeout);
  if (failure->has_value()) return **failure;
  return zk;
}

}  // namespace

StatusOr<std::string> resolve_master(const std::string& masters, Duration timeout) {
  if (!is_zk_address(masters)) return masters;
  auto address = parse_zk_address(masters);
  if (!address) return address.status();
  asio::io_context io;
  std::optional<Status> failure;
  auto zk = connect(io, *address, timeout, &failure);
  if (!zk) return zk.status();
  std::optional<std::optional<MasterRecord>> leader;
  MasterDetector detector(**zk, address->path,
                          [&](const std::optional<MasterRecord>& record) { leader = record; });
  // Wait for a leader: one may be elected while we wait.
  bool answered = run_until(
      io, [&] { return (leader.has_value() && leader->has_value()) || failure.has_value(); },
      timeout);
  if (failure.has_value()) return *failure;
  if (!answered || !leader->has_value()) {
    return Status::unavailable("no master leads under " + address->to_string() + " (waited " +
                               format_duration(timeout) + ")");
  }
  return (*leader)->address;
}

StatusOr<std::vector<ContenderInfo>> list_masters(const ZkAddress& address, Duration timeout) {
  asio::io_context io;
  std::optional<Status> failure;
  auto zk = connect(io, address, timeout, &failure);
  if (!zk) return zk.status();
  std::optional<StatusOr<std::vector<ContenderInfo>>> result;
  MasterDetector::list(**zk, address.path, [&](StatusOr<std::vector<ContenderInfo>> contenders) {
    result = std::move(contenders);
  });
  if (!run_until(
          io, [&] { return result.has_value(); }, timeout))
    return unreachable(address, timeout);
  return std::move(*result);
}

}  // namespace clusterctl
