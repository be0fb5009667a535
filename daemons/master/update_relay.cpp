#include "daemons/master/update_relay.hpp"

#include <algorithm>

namespace clusterctl {

namespace {

constexpr size_t kRememberedAcknowledgements = 8;

// Framework and task ids hold no '/', so a framework's streams sort together.
std::string stream_key(const std::string& framework_id, const std::string& task_id) {
  return framework_id + "/" + task_id;
}

}  // namespace

UpdateRelay::UpdateRelay(Links links) : links_(std::move(links)) {}

uint64_t UpdateRelay::track(const std::string& framework_id, const std::string& task_id,
                            const std::string& agent_id) {
  Stream stream;
  stream.number = next_number_++;
  stream.agent_id = agent_id;
  streams_[stream_key(framework_id, task_id)] = std::move(stream);
  return next_number_ - 1;
}

void UpdateRelay::forget(const std::string& framework_id, const std::string& task_id,
                         uint64_t stream) {
  auto found = streams_.find(stream_key(framework_id, task_id));
  if (found != streams_.end() && found->second.number == stream) streams_.erase(found);
}

bool UpdateRelay::tracks(const std::string& framework_id, const std::string& task_id) const {
  return find(framework_id, task_id) != nullptr;
}

UpdateRelay::Received UpdateRelay::from_agent(const TaskStatus& status) {
  Stream* stream = find(status.framework_id, status.task_id);
  if (stream == nullptr) {
    links_.acknowledge(status.agent_id, status);
    return Received::kUnknown;
  }
  std::optional<uint64_t> connection = links_.framework_connection(status.framework_id);
  if (!status.uuid.empty() && stream->pending.uuid == status.uuid) {
    // Sent again: only a connection that has not had it gets it.
    if (connection && *connection != 0 && *connection != stream->sent_on) {
      send_pending(status.framework_id, *stream);
    }
    return Received::kDuplicate;
  }
  const auto& acknowledged = stream->acknowledged;
  bool seen =
      std::find(acknowledged.begin(), acknowledged.end(), status.uuid) != acknowledged.end();
  if (seen || stream->terminal_reported || !connection) {
    links_.acknowledge(stream->agent_id, status);
    return seen ? Received::kDuplicate : Received::kNew;
  }
  if (!stream->pending.uuid.empty() && stream->pending_from_agent) {
    remember(*stream, stream->pending.uuid);  // superseded
  }
  stream->pending = status;
  stream->pending_from_agent = true;
  stream->sent_on = 0;
  if (is_terminal(status.state)) stream->terminal_reported = true;
  send_pending(status.framework_id, *stream);
  return Received::kNew;
}

void UpdateRelay::from_master(const TaskStatus& status) {
  std::optional<uint64_t> connection = links_.framework_connection(status.framework_id);
  Stream* stream = find(status.framework_id, status.task_id);
  if (stream != nullptr && is_terminal(status.state)) stream->terminal_reported = true;
  if (!connection) return;  // nobody to tell
  if (*connection != 0 || stream == nullptr) {
    if (*connection != 0) links_.send(status.framework_id, status);
    return;
  }
  // Kept for the framework's return; it supersedes what the agent said.
  if (!stream->pending.uuid.empty() && stream->pending_from_agent) release_pending(*stream);
  stream->pending = status;
  stream->pending_from_agent = false;
  stream->sent_on = 0;
}

bool UpdateRelay::acknowledge(const std::string& framework_id, const std::string& task_id,
                              const std::string& uuid) {
  Stream* stream = find(framework_id, task_id);
  if (stream == nullptr || uuid.empty() || stream->pending.uuid != uuid) return false;
  release_pending(*stream);
  return true;
}

void UpdateRelay::framework_connected(const std::string& framework_id) {
  for_each_of(framework_id, [&](Stream& stream) {
    if (!stream.pending.uuid.empty()) send_pending(framework_id, stream);
  });
}

void UpdateRelay::framework_gone(const std::string& framework_id) {
  for_each_of(framework_id, [&](Stream& stream) {
    if (!stream.pending.uuid.empty()) release_pending(stream);
  });
}

bool UpdateRelay::terminal_reported(const std::string& framework_id,
                                    const std::string& task_id) const {
  const Stream* stream = find(framework_id, task_id);
  return stream != nullptr && stream->terminal_reported;
}

size_t UpdateRelay::pending() const {
  return std::count_if(streams_.begin(), streams_.end(),
                       [](const auto& entry) { return !entry.second.pending.uuid.empty(); });
}

UpdateRelay::Stream* UpdateRelay::find(const std::string& framework_id,
                                       const std::string& task_id) {
  auto found = streams_.find(stream_key(framework_id, task_id));
  return found == streams_.end() ? nullptr : &found->second;
}

const UpdateRelay::Stream* UpdateRelay::find(const std::string& framework_id,
                                             const std::string& task_id) const {
  auto found = streams_.find(stream_key(framework_id, task_id));
  return found == streams_.end() ? nullptr : &found->second;
}

void UpdateRelay::for_each_of(const std::string& framework_id,
                              const std::function<void(Stream&)>& visit) {
  std::string prefix = framework_id + "/";
  for (auto it = streams_.lower_bound(prefix);
       it != streams_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    visit(it->second);
  }
}

void UpdateRelay::send_pending(const std::string& framework_id, Stream& stream) {
  std::optional<uint64_t> connection = links_.framework_connection(framework_id);
  if (!connection || *connection == 0) return;
  links_.send(framework_id, stream.pending);
  stream.sent_on = *connection;
}

void UpdateRelay::release_pending(Stream& stream) {
  TaskStatus released = std::move(stream.pending);
  stream.pending = TaskStatus();
  stream.sent_on = 0;
  remember(stream, released.uuid);
  if (stream.pending_from_agent) links_.acknowledge(stream.agent_id, released);
}

void UpdateRelay::remember(Stream& stream, const std::string& uuid) {
  stream.acknowledged.push_back(uuid);
  if (stream.acknowledged.size() > kRememberedAcknowledgements) stream.acknowledged.pop_front();
}

}  // namespace clusterctl
