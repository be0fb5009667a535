#include "daemons/agent/status_update_manager.hpp"

#include <algorithm>
#include <deque>
#include <set>

#include "core/log.hpp"
#include "core/task_state.hpp"
#include "core/timer.hpp"
#include "daemons/agent/checkpoint_writer.hpp"

namespace clusterctl {

namespace {

std::string stream_key(const std::string& framework_id, const std::string& task_id) {
  return framework_id + "/" + task_id;
}

}  // namespace

struct StatusUpdateManager::Stream {
  struct Entry {
    TaskStatus status;
    uint64_t sequence = 0;
    bool stored = false;
  };

  explicit Stream(boost::asio::io_context& io) : retry_timer(io), persist_timer(io) {}

  std::string framework_id;
  std::string task_id;
  std::string path;  // empty: in memory only
  std::deque<Entry> pending;
  std::set<std::string> received_uuids;
  TaskState latest_state = TaskState::kStaging;
  uint64_t next_sequence = 1;
  std::multimap<uint64_t, Stored> waiting;  // `stored` callbacks by the sequence they wait for
  bool sent = false;                        // the first pending update is out, awaiting its ack
  Duration backoff{0};
  Timer retry_timer;    // sends the unacknowledged update again
  Timer persist_timer;  // writes the stream again after a failed write
};

StatusUpdateManager::StatusUpdateManager(boost::asio::io_context& io, CheckpointWriter& writer,
                                         Options options, StreamDone on_done)
    : io_(io), writer_(writer), options_(options), on_done_(std::move(on_done)) {}

StatusUpdateManager::~StatusUpdateManager() = default;

StatusUpdateManager::Stream* StatusUpdateManager::find(const std::string& framework_id,
                                                       const std::string& task_id) {
  auto found = streams_.find(stream_key(framework_id, task_id));
  return found == streams_.end() ? nullptr : found->second.get();
}

const StatusUpdateManager::Stream* StatusUpdateManager::find(const std::string& framework_id,
                                                             const std::string& task_id) const {
  auto found = streams_.find(stream_key(framework_id, task_id));
  return found == streams_.end() ? nullptr : found->second.get();
}

void StatusUpdateManager::open(const std::string& framework_id, const std::string& task_id,
                               const std::string& checkpoint_path) {
  auto stream = std::make_unique<Stream>(io_);
  stream->framework_id = framework_id;
  stream->task_id = task_id;
  stream->path = checkpoint_path;
  stream->backoff = options_.retry_min;
  streams_[stream_key(framework_id, task_id)] = std::move(stream);
}

void StatusUpdateManager::recover(const std::string& checkpoint_path,
                                  const UpdateStreamCheckpoint& checkpoint) {
  if (checkpoint.terminal_acknowledged) return;
  open(checkpoint.framework_id, checkpoint.task_id, checkpoint_path);
  Stream& stream = *find(checkpoint.framework_id, checkpoint.task_id);
  stream.received_uuids.insert(checkpoint.received_uuids.begin(), checkpoint.received_uuids.end());
  stream.latest_state = checkpoint.latest_state;
  for (const TaskStatus& status : checkpoint.pending) {
    stream.pending.push_back({status, stream.next_sequence++, true});
  }
}

bool StatusUpdateManager::received(const std::string& framework_id, const std::string& task_id,
                                   const std::string& uuid) const {
  const Stream* stream = find(framework_id, task_id);
  return stream != nullptr && stream->received_uuids.count(uuid) > 0;
}

bool StatusUpdateManager::has_stream(const std::string& framework_id,
                                     const std::string& task_id) const {
  return find(framework_id, task_id) != nullptr;
}

void StatusUpdateManager::update(TaskStatus status, Stored stored) {
  Stream* stream = find(status.framework_id, status.task_id);
  if (stream == nullptr) {
    stored(Status::not_found("no status update stream for task " + status.task_id));
    return;
  }
  if (stream->received_uuids.count(status.uuid) > 0) {  // sent again by its executor
    for (const Stream::Entry& entry : stream->pending) {
      if (entry.status.uuid == status.uuid && !entry.stored) {
        stream->waiting.emplace(entry.sequence, std::move(stored));
        return;
      }
    }
    stored(Status::ok());
    return;
  }
  stream->received_uuids.insert(status.uuid);
  stream->latest_state = status.state;
  bool in_memory = stream->path.empty();
  uint64_t sequence = stream->next_sequence++;
  stream->pending.push_back({std::move(status), sequence, in_memory});
  if (in_memory) {
    stored(Status::ok());
    send(*stream);
    return;
  }
  stream->waiting.emplace(sequence, std::move(stored));
  persist(*stream);
}

void StatusUpdateManager::persist(Stream& stream) {
  UpdateStreamCheckpoint checkpoint;
  checkpoint.framework_id = stream.framework_id;
  checkpoint.task_id = stream.task_id;
  for (const Stream::Entry& entry : stream.pending) checkpoint.pending.push_back(entry.status);
  checkpoint.received_uuids.assign(stream.received_uuids.begin(), stream.received_uuids.end());
  checkpoint.latest_state = stream.latest_state;
  checkpoint.terminal_acknowledged = stream.pending.empty() && is_terminal(stream.latest_state);
  std::string key = stream_key(stream.framework_id, stream.task_id);
  uint64_t sequence = stream.next_sequence - 1;  // everything taken so far is in this write
  writer_.write(stream.path, encode_checkpoint(checkpoint),
                [this, key, sequence](const Status& result) { stored(key, sequence, result); });
}

void StatusUpdateManager::stored(const std::string& key, uint64_t sequence, const Status& result) {
  auto found = streams_.find(key);
  if (found == streams_.end()) return;  // ended meanwhile
  Stream& stream = *found->second;
  if (!result) {
    // Keep the callbacks waiting and try again: a disk error may pass.
    stream.persist_timer.start(options_.retry_min, [this, key] {
      auto again = streams_.find(key);
      if (again != streams_.end()) persist(*again->second);
    });
    return;
  }
  for (Stream::Entry& entry : stream.pending) {
    if (entry.sequence <= sequence) entry.stored = true;
  }
  std::vector<Stored> ready;
  auto end = stream.waiting.upper_bound(sequence);
  for (auto it = stream.waiting.begin(); it != end; ++it) ready.push_back(std::move(it->second));
  stream.waiting.erase(stream.waiting.begin(), end);
  send(stream);
  for (Stored& callback : ready) callback(Status::ok());
}

void StatusUpdateManager::send(Stream& stream) {
  if (!master_ || stream.sent || stream.pending.empty() || !stream.pending.front().stored) return;
  stream.sent = true;
  const TaskStatus& status = stream.pending.front().status;
  master_->call("agent.status_update", pack_payload(StatusUpdateCall{status}),
                options_.call_timeout,
                [state = status.state, task = status.task_id](StatusOr<RpcValue> reply) {
                  if (!reply && reply.status().kind() != ErrorKind::kUnavailable) {
                    LOG(kWarning) << "status update " << state << " of task " << task << ": "
                                  << reply.status().message();
                  }
                });
  std::string key = stream_key(stream.framework_id, stream.task_id);
  stream.retry_timer.start(stream.backoff, [this, key] { retry(key); });
}

void StatusUpdateManager::retry(const std::string& key) {
  auto found = streams_.find(key);
  if (found == streams_.end()) return;
  Stream& stream = *found->second;
  if (!stream.pending.empty()) {
    LOG(kInfo) << "status update " << stream.pending.front().status.state << " of task "
               << stream.task_id << " not acknowledged within " << format_duration(stream.backoff)
               << "; sending it again";
  }
  stream.sent = false;
  stream.backoff = std::min(stream.backoff * 2, options_.retry_max);
  send(stream);
}

void StatusUpdateManager::acknowledge(const std::string& framework_id, const std::string& task_id,
                                      const std::string& uuid) {
  Stream* stream = find(framework_id, task_id);
  if (stream == nullptr || stream->pending.empty() || !stream->pending.front().stored ||
      stream->pending.front().status.uuid != uuid) {
    LOG(kDebug) << "ignoring acknowledgement " << uuid << " for task " << task_id
                << ": not the update in flight (a duplicate?)";
    return;
  }
  bool terminal = is_terminal(stream->pending.front().status.state);
  stream->pending.pop_front();
  stream->sent = false;
  stream->backoff = options_.retry_min;
  stream->retry_timer.cancel();
  if (!stream->path.empty()) persist(*stream);
  if (terminal) {
    streams_.erase(stream_key(framework_id, task_id));
    on_done_(framework_id, task_id);
  } else {
    send(*stream);
  }
  notify_if_flushed();
}

void StatusUpdateManager::resume(RpcConnectionPtr master) {
  master_ = std::move(master);
  for (auto& [key, stream] : streams_) {
    stream->sent = false;
    stream->backoff = options_.retry_min;
    stream->retry_timer.cancel();
    send(*stream);
  }
}

void StatusUpdateManager::pause() {
  master_.reset();
  for (auto& [key, stream] : streams_) {
    stream->sent = false;
    stream->retry_timer.cancel();
  }
}

size_t StatusUpdateManager::pending() const {
  size_t count = 0;
  for (const auto& [key, stream] : streams_) count += stream->pending.size();
  return count;
}

size_t StatusUpdateManager::unsaved() const {
  size_t count = 0;
  for (const auto& [key, stream] : streams_) {
    if (stream->path.empty()) count += stream->pending.size();
  }
  return count;
}

void StatusUpdateManager::when_flushed(std::function<void()> flushed) {
  flushed_.push_back(std::move(flushed));
  notify_if_flushed();
}

void StatusUpdateManager::notify_if_flushed() {
  if (unsaved() > 0 || flushed_.empty()) return;
  std::vector<std::function<void()>> flushed = std::move(flushed_);
  flushed_.clear();
  for (auto& callback : flushed) callback();
}

}  // namespace clusterctl
