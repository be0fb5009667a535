// The C side of ZkClient (internal to core/zk): what libzookeeper_mt's
// callbacks get as their data, and the callbacks themselves. Each callback
// runs on the C client's completion thread, copies what it got, and posts it
// to the io_context, where it runs only while the ZkClient lives.
#pragma once

#include <zookeeper/zookeeper.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/asio.hpp"
#include "core/zk/zk_client.hpp"

namespace clusterctl::zk_calls {

// Read by anyone, everything for the creator's credentials (digest).
extern ACL_vector kCreatorAcl;

// The C client's log lines, at debug level.
void log_from_c_client(const char* message);

// The Status of a ZooKeeper result code for `what` ("get /a").
Status zk_status(int rc, const std::string& what);

struct Shared;

// What every call's C completion data is, so that the client can free the
// calls whose completion never ran (libzookeeper_mt drops the completions it
// has queued but not run when the handle closes).
struct CallBase {
  virtual ~CallBase() = default;
};

// A node watch's C context; it is freed by whoever takes it out of
// Shared::watches (the watch firing, a call that set no watch, or the close).
struct WatchContext {
  Shared* shared;
  ZkClient::Watch watch;
};

// What the C callbacks share with the client. `alive` and `on_session` are used on
// the loop thread only (posted handlers check `alive`); `watches` and `calls`
// are guarded by `mutex`, since the C completion thread takes them out.
struct Shared : std::enable_shared_from_this<Shared> {
  explicit Shared(asio::io_context& io) : io(io) {}
  asio::io_context& io;
  bool alive = true;
  std::function<void(ZkSessionEvent, int64_t, int)> on_session;

  std::mutex mutex;
  std::unordered_set<WatchContext*> watches;
  std::unordered_set<CallBase*> calls;  // calls whose completion has not run

  // Runs `fn` on the loop, if the client still lives then.
  template <typename Fn>
  void post(Fn fn) {
    asio::post(io, [self = shared_from_this(), fn = std::move(fn)]() mutable {
      if (self->alive) fn();
    });
  }

  WatchContext* add_watch(ZkClient::Watch watch) {
    if (!watch) return nullptr;
    auto* context = new WatchContext{this, std::move(watch)};
    std::lock_guard<std::mutex> lock(mutex);
    watches.insert(context);
    return context;
  }
  // Frees `context` unless someone else took it first.
  void drop_watch(WatchContext* context) {
    if (context == nullptr) return;
    if (take(context)) delete context;
  }
  bool take(WatchContext* context) {
    std::lock_guard<std::mutex> lock(mutex);
    return watches.erase(context) == 1;
  }
  template <typename CallType>
  CallType* track(CallType* call) {
    std::lock_guard<std::mutex> lock(mutex);
    calls.insert(call);
    return call;
  }
  void untrack(CallBase* call) {
    std::lock_guard<std::mutex> lock(mutex);
    calls.erase(call);
  }
  // After zookeeper_close: no C thread runs any more, and no completion
  // that has not run will.
  void free_pending() {
    std::lock_guard<std::mutex> lock(mutex);
    for (WatchContext* context : watches) delete context;
    watches.clear();
    for (CallBase* call : calls) delete call;
    calls.clear();
  }
};

// One asynchronous call's C completion data.
template <typename Result>
struct Call : CallBase {
  Call() = default;
  Call(std::shared_ptr<Shared> shared, std::function<void(Result)> done, std::string what)
      : shared(std::move(shared)), done(std::move(done)), what(std::move(what)) {}
  std::shared_ptr<Shared> shared;
  std::function<void(Result)> done;
  std::string what;               // "get /a", for errors
  WatchContext* watch = nullptr;  // the watch this call may set
};

// The call a completion got as its data, no longer pending.
template <typename CallType>
std::unique_ptr<CallType> take(const void* data) {
  std::unique_ptr<CallType> call(static_cast<CallType*>(const_cast<void*>(data)));
  call->shared->untrack(call.get());
  return call;
}
template <typename Result>
std::unique_ptr<Call<Result>> take_call(const void* data) {
  return take<Call<Result>>(data);
}

template <typename Result>
void finish(std::unique_ptr<Call<Result>> call, Result result) {
  call->shared->post([done = std::move(call->done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

// A call the C client refused at once (its completion will never run).
template <typename Result>
void refuse(Call<Result>* raw, int rc) {
  auto call = take_call<Result>(raw);
  call->shared->drop_watch(call->watch);
  Status status = zk_status(rc, call->what);
  finish<Result>(std::move(call), Result(status));
}

// A multi's C completion data: the requests and the buffers the C client
// fills in when it completes.
struct MultiCall : Call<Status> {
  std::vector<ZkOp> ops;
  std::vector<zoo_op_t> c_ops;
  std::vector<zoo_op_result_t> results;
  std::vector<std::string> created;  // path buffers of the creates
};

// The C completions and watchers; their data is a Call (a MultiCall for
// multi_done), a WatchContext (watch_fired) or the Shared (session_watcher).
void watch_fired(zhandle_t* zh, int type, int state, const char* path, void* data);
void session_watcher(zhandle_t* zh, int type, int state, const char* path, void* data);
void void_done(int rc, const void* data);
void string_done(int rc, const char* value, const void* data);
void stat_done(int rc, const Stat* stat, const void* data);
void data_done(int rc, const char* value, int length, const Stat* stat, const void* data);
void strings_done(int rc, const String_vector* strings, const void* data);
void exists_done(int rc, const Stat* stat, const void* data);
void multi_done(int rc, const void* data);

}  // namespace clusterctl::zk_calls
