#include "bench/emulator/emulated_tasks.hpp"

#include <algorithm>

#include "core/ids.hpp"

namespace clusterctl::emulator {

namespace {

constexpr Duration kRetryMin{1000};
constexpr Duration kRetryMax{30000};
constexpr Duration kUpdateTimeout{30000};

std::string key_of(const std::string& framework_id, const std::string& task_id) {
  return framework_id + "/" + task_id;
}

}  // namespace

EmulatedTasks::EmulatedTasks(boost::asio::io_context& io, Fleet& fleet, bool finish,
                             OnNotLeader on_not_leader)
    : io_(io), fleet_(fleet), finish_(finish), on_not_leader_(std::move(on_not_leader)) {}

EmulatedTasks::~EmulatedTasks() = default;

void EmulatedTasks::run(const std::string& agent_id, const RunTaskCall& call) {
  std::string key = key_of(call.framework_id, call.task.task_id);
  if (tasks_.count(key) > 0) return;  // the master asked again
  ++fleet_.counters().tasks_launched;
  Task& task = tasks_[key];
  task.framework_id = call.framework_id;
  task.executor_id = call.executor_id;
  task.info = call.task;
  task.info.agent_id = agent_id;
  if (finish_) {
    add_update(key, task, TaskState::kStarting, "");
    add_update(key, task, TaskState::kRunning, "");
    add_update(key, task, TaskState::kFinished, "command exited");
  } else {
    add_update(key, task, TaskState::kRunning, "");
  }
}

Status EmulatedTasks::kill(const KillTaskCall& call) {
  std::string key = key_of(call.framework_id, call.task_id);
  auto found = tasks_.find(key);
  if (found == tasks_.end()) {
    return Status::not_found("task " + call.task_id + " of framework " + call.framework_id +
                             " is not on this agent");
  }
  if (!is_terminal(found->second.state)) {
    add_update(key, found->second, TaskState::kKilled, "killed");
  }
  return Status::ok();
}

void EmulatedTasks::add_update(const std::string& key, Task& task, TaskState state,
                               const std::string& reason) {
  TaskStatus status;
  status.task_id = task.info.task_id;
  status.framework_id = task.framework_id;
  status.agent_id = task.info.agent_id;
  status.executor_id = task.executor_id;
  status.state = state;
  status.reason = reason;
  status.message = "emulated";
  if (state == TaskState::kFinished) status.exit_code = 0;
  status.timestamp = wall_seconds();
  status.uuid = new_id("update");
  task.state = state;
  task.pending.push_back(std::move(status));
  if (task.pending.size() == 1) send(key, task);
}

void EmulatedTasks::send(const std::string& key, Task& task) {
  if (task.pending.empty()) return;
  if (!task.retry) task.retry = std::make_unique<Timer>(io_);
  task.backoff = task.backoff.count() == 0 ? kRetryMin : std::min(task.backoff * 2, kRetryMax);
  task.retry->start(task.backoff, [this, key] {
    auto found = tasks_.find(key);
    if (found != tasks_.end()) send(key, found->second);
  });
  if (!master_ || !master_->is_open()) return;  // resume() sends it
  ++fleet_.counters().updates_sent;
  master_->call("agent.status_update", pack_payload(StatusUpdateCall{task.pending.front()}),
                kUpdateTimeout, [this, id = master_->id()](StatusOr<RpcValue> reply) {
                  // Other failures: the retry timer sends it again.
                  if (!reply && reply.status().kind() == ErrorKind::kNotLeader) {
                    on_not_leader_(id, reply.status());
                  }
                });
}

void EmulatedTasks::acknowledge(const AcknowledgeCall& call) {
  std::string key = key_of(call.framework_id, call.task_id);
  auto found = tasks_.find(key);
  if (found == tasks_.end()) return;
  Task& task = found->second;
  if (task.pending.empty() || task.pending.front().uuid != call.uuid) return;  // stale
  ++fleet_.counters().acknowledgements;
  bool ended = is_terminal(task.pending.front().state);
  task.pending.pop_front();
  task.backoff = Duration(0);
  if (ended) {
    tasks_.erase(found);  // the framework has heard the end
  } else if (task.pending.empty()) {
    task.retry->cancel();
  } else {
    send(key, task);
  }
}

void EmulatedTasks::resume(RpcConnectionPtr master) {
  master_ = std::move(master);
  for (auto& [key, task] : tasks_) {
    task.backoff = Duration(0);
    send(key, task);
  }
}

void EmulatedTasks::pause() {
  master_.reset();
}

std::vector<AgentTask> EmulatedTasks::live() const {
  std::vector<AgentTask> live;
  live.reserve(tasks_.size());
  for (const auto& [key, task] : tasks_) {
    live.push_back(AgentTask{task.framework_id, task.info, task.state});
  }
  return live;
}

}  // namespace clusterctl::emulator
