// StatusUpdateManager: delivers every task status update from the agent to
// the framework, reliably and in order.
//
// Each task has its own stream (like Mesos): a slow or absent framework holds
// back only its own tasks' updates. A stream sends its oldest unacknowledged
// update ("agent.status_update" to the master) and sends the next one only
// once the framework has acknowledged it (the master relays the framework's
// acknowledgement as "agent.acknowledge", which lands in acknowledge()). An
// update that stays unacknowledged is sent again after a backoff that starts
// at retry_min and doubles up to retry_max, and at once after every
// (re-)registration with a master.
//
// A stream opened with a checkpoint path is persisted (CheckpointWriter) on
// every change, and an update is sent, and reported stored, only once it has
// reached the disk: the agent acknowledges an executor's update only then, so
// nothing an executor was told is safe can be lost by an agent crash. Without
// a path the stream lives in memory only.
//
// An update whose uuid the stream already took is not taken again (its
// `stored` callback still runs); an acknowledgement that does not name the
// update in flight is ignored. A stream ends when its terminal update is
// acknowledged: `on_done` is told and the stream is forgotten.
//
// Threading: one io_context thread; callbacks run there.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/duration.hpp"
#include "core/messages.hpp"
#include "core/rpc/rpc.hpp"
#include "daemons/agent/checkpoint.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

class CheckpointWriter;

class StatusUpdateManager {
 public:
  struct Options {
    Duration retry_min{1000};
    Duration retry_max{30000};
    Duration call_timeout{30000};
  };
  // A stream ended: its terminal update was acknowledged.
  using StreamDone =
      std::function<void(const std::string& framework_id, const std::string& task_id)>;
  using Stored = std::function<void(const Status&)>;

  StatusUpdateManager(boost::asio::io_context& io, CheckpointWriter& writer, Options options,
                      StreamDone on_done);
  ~StatusUpdateManager();

  // Starts a task's stream; `checkpoint_path` empty: in memory only.
  void open(const std::string& framework_id, const std::string& task_id,
            const std::string& checkpoint_path);
  // Restores a stream read from `checkpoint_path` at recovery. A stream whose
  // terminal update was acknowledged is not restored.
  void recover(const std::string& checkpoint_path, const UpdateStreamCheckpoint& stream);

  // Adds an update to its task's stream (opened before). `stored` runs once it
  // is kept: after its checkpoint write (with the write's error, if any), or
  // at once for a stream in memory.
  void update(TaskStatus status, Stored stored);
  // Whether the task's stream already took the update `uuid`.
  bool received(const std::string& framework_id, const std::string& task_id,
                const std::string& uuid) const;
  bool has_stream(const std::string& framework_id, const std::string& task_id) const;

  void acknowledge(const std::string& framework_id, const std::string& task_id,
                   const std::string& uuid);

  // Starts sending on `master` (a connection the agent registered on).
  void resume(RpcConnectionPtr master);
  // Stops sending; nothing is dropped.
  void pause();

  // Unacknowledged updates, over all streams.
  size_t pending() const;
  // Unacknowledged updates of streams in memory (lost if the agent stops).
  size_t unsaved() const;
  // Calls `flushed` once unsaved() is (or becomes) zero.
  void when_flushed(std::function<void()> flushed);

 private:
  struct Stream;
  Stream* find(const std::string& framework_id, const std::string& task_id);
  const Stream* find(const std::string& framework_id, const std::string& task_id) const;
  void persist(Stream& stream);
  void stored(const std::string& key, uint64_t sequence, const Status& result);
  void send(Stream& stream);
  void retry(const std::string& key);
  void notify_if_flushed();

  boost::asio::io_context& io_;
  CheckpointWriter& writer_;
  Options options_;
  StreamDone on_done_;
  RpcConnectionPtr master_;
  std::map<std::string, std::unique_ptr<Stream>> streams_;  // by "FRAMEWORK_ID/TASK_ID"
  std::vector<std::function<void()>> flushed_;
};

}  // namespace clusterctl
