// The C callbacks of ZkClient: results copied and posted to the loop.
#include "core/zk/zk_client_calls.hpp"

#include "core/log.hpp"

namespace clusterctl::zk_calls {
namespace {

ZkStat to_stat(const Stat* stat) {
  ZkStat out;
  if (stat == nullptr) return out;
  out.ctime_ms = stat->ctime;
  out.mtime_ms = stat->mtime;
  out.version = stat->version;
  out.cversion = stat->cversion;
  out.ephemeral_owner = stat->ephemeralOwner;
  out.num_children = stat->numChildren;
  return out;
}

const char* op_name(ZkOp::Type type) {
  switch (type) {
    case ZkOp::Type::kCreate:
      return "create";
    case ZkOp::Type::kSet:
      return "set";
    case ZkOp::Type::kDelete:
      return "delete";
    case ZkOp::Type::kCheck:
      return "check";
  }
  return "?";
}

}  // namespace

// With credentials: anyone may read, only the creator (by digest) may change.
char kWorld[] = "world";
char kAnyone[] = "anyone";
char kAuth[] = "auth";
char kEmpty[] = "";
ACL kReadAnyoneAllCreator[] = {{ZOO_PERM_READ, {kWorld, kAnyone}}, {ZOO_PERM_ALL, {kAuth, kEmpty}}};
ACL_vector kCreatorAcl = {2, kReadAnyoneAllCreator};

void log_from_c_client(const char* message) {
  std::string line(message);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  LOG(kDebug) << "zookeeper client: " << line;
}

// The Status of a ZooKeeper result code for `what` ("get /a").
Status zk_status(int rc, const std::string& what) {
  std::string message = "zookeeper " + what + ": " + zerror(rc);
  switch (rc) {
    case ZOK:
      return Status::ok();
    case ZNONODE:
      return Status::not_found(message);
    case ZNODEEXISTS:
      return Status::already_exists(message);
    case ZBADVERSION:
    case ZNOTEMPTY:
    case ZNOCHILDRENFOREPHEMERALS:
    case ZNOAUTH:
    case ZAUTHFAILED:
      return Status::failed_precondition(message);
    case ZCONNECTIONLOSS:
    case ZOPERATIONTIMEOUT:
    case ZSESSIONEXPIRED:
    case ZINVALIDSTATE:
    case ZCLOSING:
    case ZSESSIONMOVED:
    case ZTHROTTLEDOP:
      return Status::unavailable(message);
    case ZBADARGUMENTS:
    case ZINVALIDACL:
      return Status::invalid(message);
    default:
      return Status::internal(message);
  }
}

void watch_fired(zhandle_t*, int type, int, const char*, void* data) {
  // Session events reach every registered watcher and leave it registered;
  // only a change of the node (or the end of the watch) consumes it.
  if (type == ZOO_SESSION_EVENT) return;
  auto* context = static_cast<WatchContext*>(data);
  Shared* shared = context->shared;
  if (!shared->take(context)) return;
  std::unique_ptr<WatchContext> owned(context);
  shared->post([watch = std::move(owned->watch)] { watch(); });
}

void session_watcher(zhandle_t* zh, int type, int state, const char*, void* data) {
  if (type != ZOO_SESSION_EVENT) return;
  std::optional<ZkSessionEvent> event;
  if (state == ZOO_CONNECTED_STATE) event = ZkSessionEvent::kConnected;
  if (state == ZOO_CONNECTING_STATE) event = ZkSessionEvent::kDisconnected;
  if (state == ZOO_EXPIRED_SESSION_STATE) event = ZkSessionEvent::kExpired;
  if (state == ZOO_AUTH_FAILED_STATE) event = ZkSessionEvent::kAuthFailed;
  if (!event) return;
  const clientid_t* id = zoo_client_id(zh);
  int64_t session = id != nullptr ? id->client_id : 0;
  int timeout = zoo_recv_timeout(zh);
  auto* shared = static_cast<Shared*>(data);
  shared->post([shared, event, session, timeout] { shared->on_session(*event, session, timeout); });
}

void void_done(int rc, const void* data) {
  auto call = take_call<Status>(data);
  Status status = zk_status(rc, call->what);
  finish(std::move(call), status);
}

void string_done(int rc, const char* value, const void* data) {
  using Result = StatusOr<std::string>;
  auto call = take_call<Result>(data);
  Result result = rc == ZOK ? Result(std::string(value)) : Result(zk_status(rc, call->what));
  finish(std::move(call), std::move(result));
}

void stat_done(int rc, const Stat*, const void* data) {
  void_done(rc, data);
}

void data_done(int rc, const char* value, int length, const Stat* stat, const void* data) {
  using Result = StatusOr<ZkNode>;
  auto call = take_call<Result>(data);
  if (rc != ZOK) {
    call->shared->drop_watch(call->watch);  // a failed get sets no watch
    Status status = zk_status(rc, call->what);
    return finish(std::move(call), Result(status));
  }
  ZkNode node;
  if (value != nullptr && length > 0) node.data.assign(value, static_cast<size_t>(length));
  node.stat = to_stat(stat);
  finish(std::move(call), Result(std::move(node)));
}

void strings_done(int rc, const String_vector* strings, const void* data) {
  using Result = StatusOr<std::vector<std::string>>;
  auto call = take_call<Result>(data);
  if (rc != ZOK) {
    call->shared->drop_watch(call->watch);
    Status status = zk_status(rc, call->what);
    return finish(std::move(call), Result(status));
  }
  std::vector<std::string> names;
  for (int i = 0; strings != nullptr && i < strings->count; ++i)
    names.emplace_back(strings->data[i]);
  finish(std::move(call), Result(std::move(names)));
}

void exists_done(int rc, const Stat* stat, const void* data) {
  using Result = StatusOr<std::optional<ZkStat>>;
  auto call = take_call<Result>(data);
  if (rc == ZOK) return finish(std::move(call), Result(std::optional<ZkStat>(to_stat(stat))));
  if (rc == ZNONODE) return finish(std::move(call), Result(std::optional<ZkStat>()));
  call->shared->drop_watch(call->watch);
  Status status = zk_status(rc, call->what);
  finish(std::move(call), Result(status));
}

void multi_done(int rc, const void* data) {
  auto call = take<MultiCall>(data);
  Status status = Status::ok();
  if (rc != ZOK) {
    // Operations before the one that failed report ZOK, those after it
    // ZRUNTIMEINCONSISTENCY.
    size_t failed = call->ops.size();
    for (size_t i = 0; i < call->results.size(); ++i) {
      int err = call->results[i].err;
      if (err != ZOK && err != ZRUNTIMEINCONSISTENCY) {
        failed = i;
        break;
      }
    }
    if (failed < call->ops.size()) {
      const ZkOp& op = call->ops[failed];
      std::string what = "multi: operation " + std::to_string(failed + 1) + " of " +
                         std::to_string(call->ops.size()) + " (" + op_name(op.type) + " " +
                         op.path + ") failed";
      status = zk_status(call->results[failed].err, what);
    } else {
      status = zk_status(rc, "multi of " + std::to_string(call->ops.size()) + " operations");
    }
  }
  call->shared->post([done = std::move(call->done), status] { done(status); });
}

}  // namespace clusterctl::zk_calls
