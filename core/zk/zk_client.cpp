// ZkClient over libzookeeper_mt's asynchronous API. The C client calls back
// on its own completion thread; every callback copies what it got and posts
// it to the io_context, where it runs only if the ZkClient still lives.
#include "core/zk/zk_client.hpp"

#include <cerrno>
#include <cstring>

#include "core/log.hpp"
#include "core/zk/zk_client_calls.hpp"

namespace clusterctl {
namespace {

using namespace zk_calls;  // NOLINT: the C side of this file

// The server drops the connection of a request larger than its
// jute.maxbuffer (1 MB - 1 by default); this leaves room for the headers.
constexpr size_t kMaxRequestBytes = 1024 * 1024 - 1024;
constexpr size_t kOpOverheadBytes = 64;

}  // namespace

const char* zk_session_event_name(ZkSessionEvent event) {
  switch (event) {
    case ZkSessionEvent::kConnected:
      return "connected";
    case ZkSessionEvent::kDisconnected:
      return "disconnected";
    case ZkSessionEvent::kExpired:
      return "expired";
    case ZkSessionEvent::kAuthFailed:
      return "auth_failed";
  }
  return "unknown";
}

ZkOp ZkOp::create(std::string path, std::string data) {
  ZkOp op;
  op.type = Type::kCreate;
  op.path = std::move(path);
  op.data = std::move(data);
  return op;
}

ZkOp ZkOp::set(std::string path, std::string data, int32_t version) {
  ZkOp op = create(std::move(path), std::move(data));
  op.type = Type::kSet;
  op.version = version;
  return op;
}

ZkOp ZkOp::remove(std::string path, int32_t version) {
  ZkOp op;
  op.type = Type::kDelete;
  op.path = std::move(path);
  op.version = version;
  return op;
}

ZkOp ZkOp::check(std::string path, int32_t version) {
  ZkOp op = remove(std::move(path), version);
  op.type = Type::kCheck;
  return op;
}

struct ZkClient::Impl {
  Impl(asio::io_context& io, Options options)
      : options(std::move(options)), shared(std::make_shared<Shared>(io)) {}
  Options options;
  std::shared_ptr<Shared> shared;
  zhandle_t* zh = nullptr;
  bool connected = false;
  int64_t session_id = 0;
  Duration session_timeout{0};

  const ACL_vector* acl() const {
    return options.address.user.empty() ? &ZOO_OPEN_ACL_UNSAFE : &kCreatorAcl;
  }
  template <typename Result>
  Call<Result>* call(std::function<void(Result)> done, std::string what) {
    return shared->track(new Call<Result>(shared, std::move(done), std::move(what)));
  }
  // Answers `done` with `status` on the loop (never inline).
  template <typename Result>
  void fail(std::function<void(Result)> done, Status status) {
    shared->post([done = std::move(done), status] { done(Result(status)); });
  }
  void ensure_step(std::string path, size_t next, Done done);
};

StatusOr<std::unique_ptr<ZkClient>> ZkClient::start(asio::io_context& io, Options options) {
  if (options.address.servers.empty() || options.address.path.empty()) {
    return Status::invalid("zookeeper: no servers or no path in the address");
  }
  zoo_set_debug_level(log_level() <= LogLevel::kDebug ? ZOO_LOG_LEVEL_INFO : ZOO_LOG_LEVEL_ERROR);
  auto impl = std::make_unique<Impl>(io, std::move(options));
  impl->session_timeout = impl->options.session_timeout;
  Impl* raw = impl.get();
  impl->shared->on_session = [raw](ZkSessionEvent event, int64_t session, int timeout_ms) {
    raw->connected = event == ZkSessionEvent::kConnected;
    if (event == ZkSessionEvent::kConnected) {
      raw->session_id = session;
      raw->session_timeout = Duration(timeout_ms);
    }
    // A copy: the callback may destroy the client, and with it `options`.
    if (auto on_session = raw->options.on_session) on_session(event);
  };
  const ZkAddress& address = impl->options.address;
  impl->zh = zookeeper_init2(address.servers.c_str(), session_watcher,
                             static_cast<int>(impl->options.session_timeout.count()), nullptr,
                             impl->shared.get(), 0, log_from_c_client);
  if (impl->zh == nullptr) {
    return Status::unavailable("zookeeper: cannot start a session with " + address.servers + ": " +
                               std::strerror(errno));
  }
  if (!address.user.empty()) {
    std::string credentials = address.user + ":" + address.password;
    int rc = zoo_add_auth(impl->zh, "digest", credentials.data(),
                          static_cast<int>(credentials.size()), nullptr, nullptr);
    if (rc != ZOK) {
      zookeeper_close(impl->zh);
      return zk_status(rc, "add_auth digest for " + address.user);
    }
  }
  return std::unique_ptr<ZkClient>(new ZkClient(std::move(impl)));
}

ZkClient::ZkClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ZkClient::~ZkClient() {
  impl_->shared->alive = false;
  // Joins the C client's threads; nothing calls back after this.
  zookeeper_close(impl_->zh);
  impl_->shared->free_pending();
}

bool ZkClient::connected() const {
  return impl_->connected;
}
int64_t ZkClient::session_id() const {
  return impl_->session_id;
}
Duration ZkClient::session_timeout() const {
  return impl_->session_timeout;
}
const ZkAddress& ZkClient::address() const {
  return impl_->options.address;
}

void ZkClient::create(const std::string& path, const std::string& data, ZkCreateMode mode,
                      std::function<void(StatusOr<std::string>)> done) {
  if (data.size() > kMaxRequestBytes) {
    return impl_->fail(
        std::move(done),
        Status::invalid("zookeeper create " + path + ": " + std::to_string(data.size()) +
                        " bytes of data (at most " + std::to_string(kMaxRequestBytes) + ")"));
  }
  int flags = 0;
  if (mode == ZkCreateMode::kEphemeral) flags = ZOO_EPHEMERAL;
  if (mode == ZkCreateMode::kEphemeralSequential) flags = ZOO_EPHEMERAL_SEQUENTIAL;
  auto* call = impl_->call(std::move(done), "create " + path);
  int rc = zoo_acreate(impl_->zh, path.c_str(), data.data(), static_cast<int>(data.size()),
                       impl_->acl(), flags, string_done, call);
  if (rc != ZOK) refuse(call, rc);
}

void ZkClient::ensure_path(const std::string& path, Done done) {
  impl_->ensure_step(path, 1, std::move(done));
}

// Creates the prefix of `path` up to the next '/' at or after `next`.
void ZkClient::Impl::ensure_step(std::string path, size_t next, Done done) {
  size_t end = path.find('/', next);
  std::string prefix = path.substr(0, end);
  auto* call = this->call<StatusOr<std::string>>(
      [this, path, end, done = std::move(done)](StatusOr<std::string> created) mutable {
        if (!created.is_ok() && created.status().kind() != ErrorKind::kAlreadyExists) {
          return done(created.status());
        }
        if (end == std::string::npos) return done(Status::ok());
        ensure_step(std::move(path), end + 1, std::move(done));
      },
      "create " + prefix);
  int rc = zoo_acreate(zh, prefix.c_str(), nullptr, -1, acl(), 0, string_done, call);
  if (rc != ZOK) refuse(call, rc);
}

void ZkClient::get(const std::string& path, std::function<void(StatusOr<ZkNode>)> done,
                   Watch watch) {
  auto* call = impl_->call(std::move(done), "get " + path);
  call->watch = impl_->shared->add_watch(std::move(watch));
  int rc = zoo_awget(impl_->zh, path.c_str(), call->watch ? watch_fired : nullptr, call->watch,
                     data_done, call);
  if (rc != ZOK) refuse(call, rc);
}

void ZkClient::set(const std::string& path, const std::string& data, int32_t version, Done done) {
  if (data.size() > kMaxRequestBytes) {
    return impl_->fail(
        std::move(done),
        Status::invalid("zookeeper set " + path + ": " + std::to_string(data.size()) +
                        " bytes of data (at most " + std::to_string(kMaxRequestBytes) + ")"));
  }
  auto* call = impl_->call(std::move(done), "set " + path);
  int rc = zoo_aset(impl_->zh, path.c_str(), data.data(), static_cast<int>(data.size()), version,
                    stat_done, call);
  if (rc != ZOK) refuse(call, rc);
}

void ZkClient::children(const std::string& path,
                        std::function<void(StatusOr<std::vector<std::string>>)> done, Watch watch) {
  auto* call = impl_->call(std::move(done), "children of " + path);
  call->watch = impl_->shared->add_watch(std::move(watch));
  int rc = zoo_awget_children(impl_->zh, path.c_str(), call->watch ? watch_fired : nullptr,
                              call->watch, strings_done, call);
  if (rc != ZOK) refuse(call, rc);
}

void ZkClient::exists(const std::string& path,
                      std::function<void(StatusOr<std::optional<ZkStat>>)> done, Watch watch) {
  auto* call = impl_->call(std::move(done), "exists " + path);
  call->watch = impl_->shared->add_watch(std::move(watch));
  int rc = zoo_awexists(impl_->zh, path.c_str(), call->watch ? watch_fired : nullptr, call->watch,
                        exists_done, call);
  if (rc != ZOK) refuse(call, rc);
}

void ZkClient::remove(const std::string& path, int32_t version, Done done) {
  auto* call = impl_->call(std::move(done), "delete " + path);
  int rc = zoo_adelete(impl_->zh, path.c_str(), version, void_done, call);
  if (rc != ZOK) refuse(call, rc);
}

void ZkClient::multi(std::vector<ZkOp> ops, Done done) {
  size_t bytes = 0;
  for (const ZkOp& op : ops) bytes += op.data.size() + op.path.size() + kOpOverheadBytes;
  if (bytes > kMaxRequestBytes) {
    return impl_->fail(
        std::move(done),
        Status::invalid("zookeeper multi: " + std::to_string(bytes) +
                        " bytes of requests (at most " + std::to_string(kMaxRequestBytes) + ")"));
  }
  if (ops.empty()) return impl_->fail(std::move(done), Status::ok());
  auto call = std::make_unique<MultiCall>();
  call->shared = impl_->shared;
  call->done = std::move(done);
  call->what = "multi";
  call->ops = std::move(ops);
  size_t count = call->ops.size();
  call->c_ops.resize(count);
  call->results.resize(count);
  call->created.resize(count);
  for (size_t i = 0; i < count; ++i) {
    const ZkOp& op = call->ops[i];
    zoo_op_t* c_op = &call->c_ops[i];
    switch (op.type) {
      case ZkOp::Type::kCreate:
        call->created[i].resize(op.path.size() + 32);
        zoo_create_op_init(c_op, op.path.c_str(), op.data.data(), static_cast<int>(op.data.size()),
                           impl_->acl(), 0, call->created[i].data(),
                           static_cast<int>(call->created[i].size()));
        break;
      case ZkOp::Type::kSet:
        zoo_set_op_init(c_op, op.path.c_str(), op.data.data(), static_cast<int>(op.data.size()),
                        op.version, nullptr);
        break;
      case ZkOp::Type::kDelete:
        zoo_delete_op_init(c_op, op.path.c_str(), op.version);
        break;
      case ZkOp::Type::kCheck:
        zoo_check_op_init(c_op, op.path.c_str(), op.version);
        break;
    }
  }
  MultiCall* raw = impl_->shared->track(call.release());
  int rc = zoo_amulti(impl_->zh, static_cast<int>(count), raw->c_ops.data(), raw->results.data(),
                      multi_done, raw);
  if (rc != ZOK) {
    auto refused = take<MultiCall>(raw);
    Status status = zk_status(rc, "multi of " + std::to_string(count) + " operations");
    refused->shared->post([done = std::move(refused->done), status] { done(status); });
  }
}

}  // namespace clusterctl
