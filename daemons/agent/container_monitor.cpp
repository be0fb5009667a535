// Watching running containers: their usage every --usage-interval (sent to
// the master as agent.usage), limits they go over (the isolators' watches and
// polled limits) and the task's end, which is checked against the limits so
// that a memory kill says so instead of "killed by signal 9".
#include "core/log.hpp"
#include "core/task_status.hpp"
#include "daemons/agent/agent_impl.hpp"

namespace clusterctl {

namespace {
constexpr Duration kUsageCallTimeout{5000};
}

void AgentImpl::end_task(ExecutorRecord& executor, TaskStatus status,
                         StatusUpdateManager::Stored stored) {
  if (executor.task_ended()) {
    forward_update(executor, std::move(status), std::move(stored));  // ignored, and answered
    return;
  }
  ExecutorPhase phase = executor.phase();
  if (phase == ExecutorPhase::kEnding || phase == ExecutorPhase::kExited) {
    // The end is being checked: the executor sends it again later.
    stored(Status::unavailable("the task's end is being recorded; send it again"));
    return;
  }
  bool maybe_limited = phase == ExecutorPhase::kRunning && !executor.kill_requested &&
                       status.state != TaskState::kFinished;
  if (!maybe_limited || executor.limitation) {
    report_end(executor, std::move(status), std::move(stored));
    return;
  }
  std::string container_id = executor.config.container_id;
  executor.move_to(ExecutorPhase::kEnding);
  isolation_->check(container_id, [this, container_id, status, stored](
                                      std::optional<TaskUsage> usage,
                                      std::optional<ContainerLimitation> limitation) {
    auto found = executors_.find(container_id);
    if (found == executors_.end()) return;
    if (usage) found->second->usage = usage;
    if (limitation && !found->second->limitation) found->second->limitation = limitation;
    conclude(container_id, status, stored);
  });
}

void AgentImpl::conclude(const std::string& container_id, TaskStatus status,
                         StatusUpdateManager::Stored stored) {
  auto found = executors_.find(container_id);
  if (found == executors_.end()) return;
  ExecutorRecord& executor = *found->second;
  if (executor.phase() == ExecutorPhase::kEnding) executor.move_to(ExecutorPhase::kRunning);
  report_end(executor, std::move(status), std::move(stored));
  if (executor.phase() == ExecutorPhase::kExited) remove_executor(container_id);
}

void AgentImpl::report_end(ExecutorRecord& executor, TaskStatus status,
                           StatusUpdateManager::Stored stored) {
  if (executor.limitation) {
    // Whatever the exit looked like, the container went over a limit.
    std::string how = status.message;
    status.state = TaskState::kFailed;
    status.reason = executor.limitation->reason;
    status.message = executor.limitation->message + (how.empty() ? "" : "; " + how);
    status.exit_code.reset();
  }
  forward_update(executor, std::move(status), std::move(stored));
}

void AgentImpl::on_limitation(const std::string& container_id,
                              const ContainerLimitation& limitation) {
  auto found = executors_.find(container_id);
  if (found == executors_.end()) return;
  ExecutorRecord& executor = *found->second;
  if (executor.task_ended() || executor.limitation) return;
  LOG(kWarning) << "task " << executor.config.task.task_id << ": " << limitation.reason << ": "
                << limitation.message;
  executor.limitation = limitation;
  if (!is_gone(executor.phase())) kill_for_good(executor, limitation.reason);
}

void AgentImpl::fetch_progress(const std::string& container_id, const std::string& message) {
  auto found = executors_.find(container_id);
  if (found == executors_.end() || found->second->task_ended() ||
      found->second->phase() != ExecutorPhase::kPreparing) {
    return;
  }
  forward_update(*found->second,
                 make_status(*found->second, TaskState::kStaging, "fetching", message));
}

void AgentImpl::measure_usage() {
  usage_timer_.start(options_.containers.usage_interval, [this] { measure_usage(); });
  AgentUsageCall report;
  report.agent_id = link_.agent_id();
  for (auto& [container_id, executor] : executors_) {
    if (!is_isolated(executor->phase()) || executor->task_ended()) continue;
    if (executor->usage) {
      report.tasks.push_back(
          {executor->config.framework_id, executor->config.task.task_id, *executor->usage});
    }
    std::string id = container_id;
    isolation_->check(id, [this, id](std::optional<TaskUsage> usage,
                                     std::optional<ContainerLimitation> limitation) {
      auto found = executors_.find(id);
      if (found == executors_.end()) return;
      if (usage) found->second->usage = usage;
      if (limitation) on_limitation(id, *limitation);
    });
  }
  RpcConnectionPtr master = link_.connection();
  if (master && !report.tasks.empty()) {
    master->call("agent.usage", pack_payload(report), kUsageCallTimeout,
                 [](StatusOr<RpcValue> reply) {
                   if (!reply) LOG(kDebug) << "agent.usage: " << reply.status().message();
                 });
  }
}

}  // namespace clusterctl
