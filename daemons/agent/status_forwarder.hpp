// StatusForwarder: the agent's queue of task status updates for the master.
//
// Updates leave in the order they were pushed, across all tasks of the agent,
// one at a time: "agent.status_update" is called with the first one, and the
// next one is sent only when the master has answered. Without a registered
// master connection the queue waits (pause); after re-registration (resume)
// the unanswered update is sent again first. A timed-out call is resent; an
// update the master refuses outright is logged and dropped so that it cannot
// block the ones behind it. (Checkpointing will persist this queue.)
//
// Threading: one io_context thread; callbacks run there.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "core/messages.hpp"
#include "core/rpc/rpc.hpp"

namespace clusterctl {

class StatusForwarder {
 public:
  // Told of every update that left the queue: acknowledged, or refused and dropped.
  using Done = std::function<void(const TaskStatus&)>;

  explicit StatusForwarder(Done on_done, Duration call_timeout = Duration(30000));

  void push(TaskStatus status);
  // Starts sending on `master` (a connection the agent registered on).
  void resume(RpcConnectionPtr master);
  // Stops sending; what is queued or unanswered stays queued.
  void pause();

  bool empty() const { return queue_.empty(); }
  size_t size() const { return queue_.size(); }
  // Calls `drained` once when the queue is (or becomes) empty.
  void when_empty(std::function<void()> drained);

 private:
  void send_next();
  void answered(uint64_t generation, StatusOr<RpcValue> reply);
  void notify_if_empty();

  Done on_done_;
  Duration call_timeout_;
  std::deque<TaskStatus> queue_;
  RpcConnectionPtr master_;
  bool in_flight_ = false;
  uint64_t generation_ = 0;  // bumped by pause/resume: answers to older calls are ignored
  std::vector<std::function<void()>> drained_;
};

}  // namespace clusterctl
