// The launch of an executor, step by step, each step a reaction on the
// agent's thread: prepare the container (isolators, fetcher; off the loop),
// hand the sandbox to the task's user, spawn the executor (as that user),
// isolate it, checkpoint it (for a checkpointing framework), and only then
// answer its executor.register (which the executor's secret must prove). A task that ends
// before its executor exists ends here. And the end of every container:
// cleanup, then the sandbox goes to the GC (a checkpointed run's once its
// checkpoint is removed). Each step moves the executor's phase
// (executor_lifecycle.hpp).
#include "core/log.hpp"
#include "core/plugin/plugin_library.hpp"
#include "daemons/agent/agent_impl.hpp"
#include "fetcher/local_source.hpp"

namespace clusterctl {

std::vector<std::shared_ptr<ContainerHook>> AgentImpl::container_hooks() {
  const ContainerOptions& containers = options_.containers;
  IsolationOptions isolation;
  isolation.entries = split_isolation(containers.isolation);
  isolation.plugin_dir =
      containers.plugin_dir.empty() ? default_plugin_dir() : containers.plugin_dir;
  isolation.config.work_dir = options_.work_dir;
  isolation.config.cgroups_root = containers.cgroups_root;
  isolation.config.enable_cfs = containers.cgroups_enable_cfs;
  isolation.config.pids_limit = containers.pids_limit;
  isolation_ = std::make_shared<Isolation>(io_, isolation);
  isolation_->set_limitation_handler(
      [this](const std::string& container_id, const ContainerLimitation& limitation) {
        on_limitation(container_id, limitation);
      });

  FetcherOptions fetching;
  fetching.cache_dir = containers.fetcher_cache_dir.empty() ? options_.work_dir + "/fetcher-cache"
                                                            : containers.fetcher_cache_dir;
  fetching.cache_size = containers.fetcher_cache_size;
  fetching.stall_timeout = containers.fetcher_stall_timeout;
  fetching.retries = containers.fetcher_retries;
  fetching.retry_backoff = containers.fetcher_retry_backoff;
  fetching.ca_file = containers.fetcher_ca_file;
  fetching.max_size = containers.fetcher_max_size;
  fetching.max_entries = containers.fetcher_max_entries;
  fetching.timeout = containers.fetcher_timeout;
  fetching.allowed_dirs = split_dir_list(containers.fetcher_allowed_dirs);
  fetcher_ = std::make_shared<FetcherHook>(
      io_, fetching, containers.fetcher_threads,
      [this](const std::string& container_id, const std::string& message) {
        fetch_progress(container_id, message);
      });
  Status opened = fetcher_->open();
  if (!opened) LOG(kWarning) << "fetcher cache disabled: " << opened.message();
  // Isolators first: a plugin that cannot load fails the task before any download.
  return {isolation_, fetcher_};
}

Status AgentImpl::launch(const RunTaskCall& call) {
  auto config_or = container_config(call);
  if (!config_or) return config_or.status();
  auto executor = std::make_unique<ExecutorRecord>(io_, ExecutorLifecycle::launching());
  executor->config = std::move(config_or).value();
  executor->checkpoint = call.checkpoint;
  const ContainerConfig& config = executor->config;
  std::string container_id = config.container_id;
  std::string key = agent_task_key(config.framework_id, config.task.task_id);
  live_tasks_[key] = AgentTask{config.framework_id, config.task, TaskState::kStaging};
  // From here on every update of the task, a launch failure too, goes
  // through its stream.
  updates_.open(config.framework_id, config.task.task_id,
                call.checkpoint ? updates_checkpoint_path(options_.work_dir, container_id) : "");
  if (call.checkpoint) {
    // Without a pid yet: an agent restarted before the executor was isolated
    // knows the task never started.
    checkpointed_runs_[key] = CheckpointedRun{container_id, config.sandbox};
    checkpoint_executor(*executor);
  }
  LOG(kInfo) << "preparing container " << container_id << " for task " << config.task.task_id
             << " of framework " << config.framework_id << " in " << config.sandbox;
  executors_[container_id] = std::move(executor);
  launcher_.prepare(executors_[container_id]->config, [this, container_id](PrepareResult result) {
    prepared(container_id, std::move(result));
  });
  return Status::ok();
}

void AgentImpl::prepared(const std::string& container_id, PrepareResult result) {
  auto found = executors_.find(container_id);
  if (found == executors_.end()) return;
  ExecutorRecord& executor = *found->second;
  const ContainerConfig& config = executor.config;
  if (executor.phase() != ExecutorPhase::kPreparing) {
    LOG(kError) << "container " << container_id << " was prepared twice; it is "
                << executor.phase();
    return;
  }
  TaskStatus failure;
  if (executor.kill_requested) {
    failure = make_status(executor, TaskState::kKilled, "killed", "killed before the task started");
  } else if (!result.launch) {
    failure = make_status(executor, TaskState::kFailed, result.failure_reason,
                          result.launch.status().message());
  } else {
    // The task's user owns its sandbox, the fetched artifacts and the executor's log.
    Status owned = config.credentials
                       ? hand_over_sandbox(config.sandbox, config.log_path, config.credentials->uid,
                                           config.credentials->gid)
                       : Status::ok();
    StatusOr<pid_t> pid = owned ? launcher_.spawn(config, *result.launch) : StatusOr<pid_t>(owned);
    if (pid) {
      executor.pid = *pid;
      executor.pid_start_time = process_start_time(*pid).value_or(0);
      executor.move_to(ExecutorPhase::kSpawned);
      Status watched = watcher_.watch_group(*pid, [this, container_id](const ExitStatus& exit) {
        executor_exited(container_id, exit);
      });
      if (!watched) LOG(kError) << watched.message();  // cannot happen for a fresh child
      LOG(kInfo) << "launched executor " << config.executor_id << " (pid " << *pid << ") for task "
                 << config.task.task_id;
      launcher_.isolate(config, *pid,
                        [this, container_id](Status status) { isolated(container_id, status); });
      return;
    }
    failure = make_status(executor, TaskState::kFailed, "container launch failed",
                          pid.status().message());
  }
  // No executor process: the task ends here (remove_executor: Preparing -> Removing).
  forward_update(executor, std::move(failure));
  remove_executor(container_id);
}

void AgentImpl::isolated(const std::string& container_id, const Status& status) {
  auto found = executors_.find(container_id);
  if (found == executors_.end() || found->second->phase() != ExecutorPhase::kSpawned) return;
  ExecutorRecord& executor = *found->second;
  if (!status) {
    fail_spawned_launch(executor, "container isolation failed", status.message());
    return;
  }
  if (!executor.checkpoint) {
    executor.move_to(ExecutorPhase::kRunning);
    if (executor.pending_registration) answer_registration(executor);
    return;
  }
  // The executor gets its task only once a restarted agent would find it.
  checkpoint_executor(executor, [this, container_id](const Status& written) {
    auto found = executors_.find(container_id);
    if (found == executors_.end() || found->second->phase() != ExecutorPhase::kSpawned) return;
    ExecutorRecord& executor = *found->second;
    if (!written) {
      fail_spawned_launch(executor, "container launch failed",
                          "cannot checkpoint the executor: " + written.message());
      return;
    }
    executor.move_to(ExecutorPhase::kRunning);
    if (executor.pending_registration) answer_registration(executor);
  });
}

// The executor runs but must not get its task: it is killed, and its exit
// only cleans up.
void AgentImpl::fail_spawned_launch(ExecutorRecord& executor, const std::string& reason,
                                    const std::string& message) {
  LOG(kError) << "cannot launch task " << executor.config.task.task_id << ": " << message;
  executor.move_to(ExecutorPhase::kAborting);
  forward_update(executor, make_status(executor, TaskState::kFailed, reason, message));
  if (executor.pending_registration) {
    executor.pending_registration->fail(Status::failed_precondition(message));
    executor.pending_registration.reset();
  }
  kill_for_good(executor, message);
}

void AgentImpl::answer_registration(ExecutorRecord& executor) {
  RegisterExecutorReply reply{executor.config.task, executor.config.sandbox,
                              options_.containers.sandbox_log_max_size,
                              options_.containers.sandbox_log_keep};
  executor.pending_registration->reply(pack_payload(reply));
  executor.pending_registration.reset();
}

void AgentImpl::remove_executor(const std::string& container_id) {
  auto found = executors_.find(container_id);
  if (found == executors_.end() || found->second->phase() == ExecutorPhase::kRemoving) return;
  if (!found->second->move_to(ExecutorPhase::kRemoving)) return;
  launcher_.cleanup(found->second->config, [this, container_id] {
    auto found = executors_.find(container_id);
    if (found == executors_.end()) return;
    const ContainerConfig& config = found->second->config;
    std::string key = agent_task_key(config.framework_id, config.task.task_id);
    // A checkpointed run's sandbox goes to the GC with its checkpoint.
    if (checkpointed_runs_.count(key) == 0) gc_.schedule(config.sandbox);
    executors_.erase(found);
    forget_run_if_done(key);
    shutdown_step();
  });
}

}  // namespace clusterctl
