// Checkpointing and recovery: what the agent keeps under WORK_DIR/meta
// (checkpoint.hpp) and how a restarted agent takes back what it left behind.
//
// At start-up the agent reads its checkpoint. It keeps its agent id (so the
// master sees the same agent re-register with its tasks) and, for each run of
// a checkpointing framework:
//   - its task's status update stream is restored, unacknowledged updates and all;
//   - an executor still alive (same pid and start time, same boot) is adopted:
//     the isolators keep its container (cgroups, limits, usage, memory-limit
//     watch); it reconnects on its own (meta/address) within
//     --executor-reregister-timeout, or it is killed and its task reported
//     LOST; with --recover cleanup its container is destroyed, it is killed at
//     once and its task reported KILLED;
//   - an executor that died meanwhile has its task's process group killed and
//     its task reported FAILED ("executor terminated"), or LOST ("agent
//     rebooted") when the machine rebooted (then no process is touched);
//   - a task whose container was still being prepared (no executor pid in the
//     checkpoint) is reported DROPPED ("agent restarted"): it never started.
// Every other container the isolators find is destroyed.
#include <signal.h>

#include "core/atomic_file.hpp"
#include "core/log.hpp"
#include "core/task_status.hpp"
#include "daemons/agent/agent_impl.hpp"

namespace clusterctl {

namespace {

ExecutorCheckpoint executor_checkpoint(const ExecutorRecord& executor) {
  const ContainerConfig& config = executor.config;
  ExecutorCheckpoint checkpoint;
  checkpoint.container_id = config.container_id;
  checkpoint.framework_id = config.framework_id;
  checkpoint.executor_id = config.executor_id;
  checkpoint.sandbox = config.sandbox;
  checkpoint.log_path = config.log_path;
  checkpoint.task = config.task;
  checkpoint.pid = executor.pid;
  checkpoint.pid_start_time = executor.pid_start_time;
  checkpoint.task_pid = executor.task_group;
  checkpoint.task_start_time = executor.task_start_time;
  checkpoint.secret = config.secret;
  checkpoint.user = config.user;
  return checkpoint;
}

ContainerConfig container_of(const ExecutorCheckpoint& checkpoint) {
  ContainerConfig config;
  config.container_id = checkpoint.container_id;
  config.framework_id = checkpoint.framework_id;
  config.executor_id = checkpoint.executor_id;
  config.sandbox = checkpoint.sandbox;
  config.log_path = checkpoint.log_path;
  config.task = checkpoint.task;
  config.secret = checkpoint.secret;
  config.user = checkpoint.user;
  return config;
}

TaskState latest_state(const RecoveredRun& run) {
  return run.updates ? run.updates->latest_state : TaskState::kStaging;
}

}  // namespace

Status AgentImpl::recover() {
  auto boot_id = read_boot_id();
  if (!boot_id) return boot_id.status();
  auto state = read_checkpoint(options_.work_dir);
  if (!state) return state.status();
  if (state->agent) {
    const AgentCheckpoint& old = *state->agent;
    // Detected resources (no --resources) are those of the agent's first start.
    if (options_.resources.empty()) resources_ = old.resources;
    CLUSTERCTL_RETURN_IF_ERROR(
        check_reconfiguration(old, resources_, attributes_, options_.reconfiguration_policy));
    link_.set_agent_id(old.agent_id);
    bool unchanged = old.resources == resources_ && old.attributes == attributes_;
    if (unchanged) checkpointed_agent_id_ = old.agent_id;  // else rewritten on registration
    LOG(kInfo) << "recovering agent " << old.agent_id << " from " << meta_dir(options_.work_dir);
  }
  bool rebooted = !state->boot_id.empty() && state->boot_id != *boot_id;
  CLUSTERCTL_RETURN_IF_ERROR(
      write_file_atomic(boot_id_path(options_.work_dir), encode_boot_id(*boot_id)));
  if (!state->runs.empty()) {
    LOG(kInfo) << "recovering " << state->runs.size() << " executors with --recover "
               << options_.recover
               << (rebooted ? " (the machine rebooted: none of them can be running)" : "");
  }
  // Which executors still run is decided once, before the isolators touch a
  // container. With --recover cleanup their containers are recovered too, so
  // that the agent kills them itself below (KILLED, "agent cleanup") rather
  // than the isolators' clean-up ending them behind its back.
  std::vector<bool> alive;
  std::vector<RecoveredRun> running;
  for (const RecoveredRun& run : state->runs) {
    alive.push_back(!rebooted && executor_alive(run));
    if (alive.back()) running.push_back(run);
  }
  recover_containers(running);
  for (size_t i = 0; i < state->runs.size(); ++i) recover_run(state->runs[i], rebooted, alive[i]);
  return Status::ok();
}

bool AgentImpl::executor_alive(const RecoveredRun& run) {
  const ExecutorCheckpoint& checkpoint = run.executor;
  if (checkpoint.pid == 0 || (run.updates && run.updates->terminal_acknowledged)) return false;
  return process_alive(checkpoint.pid, checkpoint.pid_start_time);
}

// The isolators re-attach to the containers of the executors still running
// (their cgroups, limits, usage and memory-limit watches stay) and destroy
// whatever else they find of theirs: leftovers of runs that ended, of tasks
// that were never checkpointed, of containers still being prepared.
void AgentImpl::recover_containers(const std::vector<RecoveredRun>& running) {
  std::vector<std::pair<ContainerConfig, pid_t>> containers;
  for (const RecoveredRun& run : running) {
    containers.emplace_back(container_of(run.executor), run.executor.pid);
  }
  if (!containers.empty()) {
    LOG(kInfo) << "isolators recover " << containers.size() << " containers";
  }
  isolation_->recover(containers, [](const Status& recovered) {
    if (!recovered) LOG(kWarning) << "isolator recovery: " << recovered.message();
  });
}

void AgentImpl::recover_run(const RecoveredRun& run, bool rebooted, bool alive) {
  const ExecutorCheckpoint& checkpoint = run.executor;
  const std::string& container_id = checkpoint.container_id;
  if (run.updates && run.updates->terminal_acknowledged) {
    writer_.remove_all(run_meta_dir(options_.work_dir, container_id), [](const Status&) {});
    gc_.schedule(checkpoint.sandbox);
    return;  // over before the restart; only its checkpoint (and sandbox) was left
  }
  std::string key = agent_task_key(checkpoint.framework_id, checkpoint.task.task_id);
  std::string updates_path = updates_checkpoint_path(options_.work_dir, container_id);
  if (run.updates) {
    updates_.recover(updates_path, *run.updates);
  } else {
    updates_.open(checkpoint.framework_id, checkpoint.task.task_id, updates_path);
  }
  TaskState state = latest_state(run);
  live_tasks_[key] = AgentTask{checkpoint.framework_id, checkpoint.task, state};
  checkpointed_runs_[key] = CheckpointedRun{container_id, checkpoint.sandbox};
  if (!rebooted && checkpoint.pid == 0 && !is_terminal(state)) {
    // An executor spawned since is refused when it reconnects, and its
    // container was destroyed with the isolators' leftovers.
    end_run(checkpoint, TaskState::kDropped, "agent restarted",
            "the agent restarted while it prepared the task's container (isolators, fetcher); "
            "the task never started");
    return;
  }
  if (!alive) {
    end_lost_run(run, rebooted);
    return;
  }
  // Its container was recovered (recover_containers): it is adopted as Running.
  auto executor = std::make_unique<ExecutorRecord>(io_, ExecutorLifecycle::adopted());
  executor->config = container_of(checkpoint);
  executor->pid = checkpoint.pid;
  executor->pid_start_time = checkpoint.pid_start_time;
  executor->task_group = checkpoint.task_pid;
  executor->task_start_time = checkpoint.task_start_time;
  executor->state = state;
  executor->checkpoint = true;
  executor->recovered = true;
  Status watched = watcher_.watch_exit(
      checkpoint.pid, [this, container_id] { executor_exited(container_id, std::nullopt); });
  if (!watched) LOG(kError) << watched.message();
  ExecutorRecord& record = *executor;
  executors_[container_id] = std::move(executor);
  LOG(kInfo) << "found executor " << checkpoint.executor_id << " (pid " << checkpoint.pid
             << ") of task " << checkpoint.task.task_id << " (" << state << ") still running";
  if (options_.recover == "cleanup") {
    record.end_state = TaskState::kKilled;
    record.end_reason = "agent cleanup";
    kill_for_good(record, "the agent restarted with --recover cleanup");
    return;
  }
  record.reregister_deadline.start(options_.executor_reregister_timeout, [this, container_id] {
    auto found = executors_.find(container_id);
    if (found == executors_.end() || found->second->connection) return;
    ExecutorRecord& late = *found->second;
    late.end_state = TaskState::kLost;
    late.end_reason = "executor did not reconnect";
    kill_for_good(late, "it did not reconnect within --executor-reregister-timeout " +
                            format_duration(options_.executor_reregister_timeout));
  });
}

// The executor died while the agent was down: kill what is left of its task
// and report the task's end, unless its stream already holds it.
void AgentImpl::end_lost_run(const RecoveredRun& run, bool rebooted) {
  const ExecutorCheckpoint& checkpoint = run.executor;
  if (!rebooted && checkpoint.task_pid != 0) {
    // The group outlives its leader; a leader alive with another start time
    // means the pid was reused.
    auto start = process_start_time(checkpoint.task_pid);
    if (!start.is_ok() || *start == checkpoint.task_start_time) {
      Status killed = signal_group(checkpoint.task_pid, SIGKILL);
      if (!killed) LOG(kWarning) << killed.message();
    }
  }
  if (is_terminal(latest_state(run))) return;
  if (rebooted) {
    end_run(checkpoint, TaskState::kLost, "agent rebooted",
            "the machine rebooted while the agent was down");
  } else {
    end_run(checkpoint, TaskState::kFailed, "executor terminated",
            "executor (pid " + std::to_string(checkpoint.pid) +
                ") ended while the agent was down; its exit status is unknown");
  }
}

// The task of a recovered run without an executor ends with this update.
void AgentImpl::end_run(const ExecutorCheckpoint& checkpoint, TaskState state,
                        const std::string& reason, const std::string& message) {
  TaskStatus status = make_task_status(
      {checkpoint.task.task_id, checkpoint.framework_id, link_.agent_id(), checkpoint.executor_id},
      state, reason, message);
  LOG(kWarning) << "task " << checkpoint.task.task_id << " is " << status.state << " (" << reason
                << "): " << message;
  live_tasks_[agent_task_key(checkpoint.framework_id, checkpoint.task.task_id)].state =
      status.state;
  updates_.update(std::move(status), [](const Status&) {});
}

void AgentImpl::checkpoint_agent() {
  AgentCheckpoint checkpoint{link_.agent_id(), resources_, attributes_};
  // Once per agent process, right after registration: before any task can
  // arrive, so a blocking write here is what keeps the id safe.
  Status written =
      write_file_atomic(agent_checkpoint_path(options_.work_dir), encode_checkpoint(checkpoint));
  if (!written) {
    LOG(kError) << "cannot checkpoint the agent id: " << written.message();
    return;
  }
  checkpointed_agent_id_ = link_.agent_id();
}

void AgentImpl::checkpoint_executor(const ExecutorRecord& executor,
                                    std::function<void(const Status&)> written) {
  writer_.write(executor_checkpoint_path(options_.work_dir, executor.config.container_id),
                encode_checkpoint(executor_checkpoint(executor)), std::move(written));
}

void AgentImpl::forget_run_if_done(const std::string& task_key) {
  auto run = checkpointed_runs_.find(task_key);
  if (run == checkpointed_runs_.end()) return;
  const CheckpointedRun& done = run->second;
  if (live_tasks_.count(task_key) > 0 || executors_.count(done.container_id) > 0) return;
  writer_.remove_all(run_meta_dir(options_.work_dir, done.container_id), [](const Status&) {});
  gc_.schedule(done.sandbox);
  checkpointed_runs_.erase(run);
}

}  // namespace clusterctl
