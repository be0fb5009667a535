#include "daemons/agent/status_forwarder.hpp"

#include "core/log.hpp"

namespace clusterctl {

StatusForwarder::StatusForwarder(Done on_done, Duration call_timeout)
    : on_done_(std::move(on_done)), call_timeout_(call_timeout) {}

void StatusForwarder::push(TaskStatus status) {
  queue_.push_back(std::move(status));
  send_next();
}

void StatusForwarder::resume(RpcConnectionPtr master) {
  ++generation_;
  in_flight_ = false;
  master_ = std::move(master);
  send_next();
}

void StatusForwarder::pause() {
  ++generation_;
  in_flight_ = false;
  master_.reset();
}

void StatusForwarder::when_empty(std::function<void()> drained) {
  drained_.push_back(std::move(drained));
  notify_if_empty();
}

void StatusForwarder::send_next() {
  if (in_flight_ || queue_.empty() || !master_) return;
  in_flight_ = true;
  uint64_t generation = generation_;
  master_->call(
      "agent.status_update", pack_payload(StatusUpdateCall{queue_.front()}), call_timeout_,
      [this, generation](StatusOr<RpcValue> reply) { answered(generation, std::move(reply)); });
}

void StatusForwarder::answered(uint64_t generation, StatusOr<RpcValue> reply) {
  if (generation != generation_) return;  // sent on a connection we no longer use
  in_flight_ = false;
  const TaskStatus& sent = queue_.front();
  if (!reply) {
    ErrorKind kind = reply.status().kind();
    if (kind == ErrorKind::kUnavailable) return;  // the master link pauses and resumes us
    if (kind == ErrorKind::kTimeout) {
      LOG(kWarning) << "status update " << sent.state << " of task " << sent.task_id
                    << " not answered; sending it again";
      send_next();
      return;
    }
    LOG(kError) << "master refused status update " << sent.state << " of task " << sent.task_id
                << ": " << reply.status().message();
  }
  TaskStatus done = std::move(queue_.front());
  queue_.pop_front();
  on_done_(done);
  send_next();
  notify_if_empty();
}

void StatusForwarder::notify_if_empty() {
  if (!queue_.empty() || drained_.empty()) return;
  std::vector<std::function<void()>> drained = std::move(drained_);
  drained_.clear();
  for (auto& callback : drained) callback();
}

}  // namespace clusterctl
