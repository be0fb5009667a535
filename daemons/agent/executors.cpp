// Executors: the container config of a new task, registration, status
// updates, kills and exits. The launch itself is in executor_launch.cpp.
#include <signal.h>
#include <unistd.h>

#include <memory>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/process/process.hpp"
#include "core/task_status.hpp"
#include "daemons/agent/agent_impl.hpp"
#include "daemons/agent/sandbox.hpp"

namespace clusterctl {

namespace {

// After the grace period, an executor gets this long to report its task's end.
constexpr int64_t kKillSlackMillis = 5000;
constexpr Duration kExecutorCallTimeout{5000};

// The task runs in its own session under the executor: the executor's child
// that leads its own process group.
pid_t find_task_group(pid_t executor_pid) {
  for (pid_t child : child_pids(executor_pid)) {
    if (::getpgid(child) == child) return child;
  }
  return 0;
}

void kill_group(pid_t pgid) {
  Status killed = signal_group(pgid, SIGKILL);
  if (!killed) {
    LOG(kWarning) << killed.message();
  }
}

// Only the process the agent started holds its secret, and only one
// connection speaks for an executor at a time.
Status check_executor_identity(const ExecutorRecord& executor, const RpcConnectionPtr& connection,
                               const RegisterExecutorCall& call) {
  const std::string who = "executor " + call.executor_id + " of framework " + call.framework_id +
                          " (container " + call.container_id + ")";
  if (executor.config.secret.empty()) {
    // Started by an agent version without secrets and recovered: nothing to check against.
    LOG(kWarning) << who << " registers without a secret: it predates executor secrets";
  } else if (call.secret.empty()) {
    return Status::permission_denied(
        "refused to register " + who +
        ": no executor secret given (the agent passes it to the executor it starts in "
        "CLUSTERCTL_EXECUTOR_SECRET)");
  } else if (!secret_matches(executor.config.secret, call.secret)) {
    return Status::permission_denied("refused to register " + who + ": wrong executor secret");
  }
  if (executor.connection && executor.connection->is_open() && executor.connection != connection) {
    return Status::permission_denied("refused to register " + who +
                                     ": that executor is already connected");
  }
  return Status::ok();
}

}  // namespace

void AgentImpl::run_task(const RunTaskCall& call, RpcResponder responder) {
  if (shutting_down_) {
    responder.fail(Status::unavailable("agent " + link_.agent_id() + " is shutting down"));
    return;
  }
  std::string key = agent_task_key(call.framework_id, call.task.task_id);
  if (live_tasks_.count(key) > 0) {
    responder.fail(Status::already_exists("task " + call.task.task_id + " of framework " +
                                          call.framework_id + " is already on this agent"));
    return;
  }
  Status launched = launch(call);
  if (!launched) {
    LOG(kError) << "cannot launch task " << call.task.task_id << ": " << launched.message();
    responder.fail(launched);
    return;
  }
  responder.reply(empty_payload());
}

// The container of a new executor: ids, its sandbox (created here) and its command line.
StatusOr<ContainerConfig> AgentImpl::container_config(const RunTaskCall& call) const {
  ContainerConfig config;
  config.container_id = new_id("container");
  config.framework_id = call.framework_id;
  config.executor_id = call.executor_id.empty() ? call.task.task_id : call.executor_id;
  config.task = call.task;
  config.task.agent_id = link_.agent_id();
  auto user = task_user(call);
  if (!user) return user.status();
  config.user = user->name;
  if (user->credentials.uid != ::geteuid()) config.credentials = user->credentials;
  auto secret = new_executor_secret();
  if (!secret) return secret.status();
  config.secret = *secret;
  SandboxId sandbox_id{link_.agent_id(), config.framework_id, config.executor_id,
                       config.container_id};
  auto sandbox = create_sandbox(options_.work_dir, sandbox_id);
  if (!sandbox) return sandbox.status();
  config.sandbox = *sandbox;
  config.log_path = config.sandbox + "/executor.log";
  if (config.credentials) {  // fetched artifacts are handed over again once fetched
    Status owned =
        hand_over_sandbox(config.sandbox, "", config.credentials->uid, config.credentials->gid);
    if (!owned) return owned;
  }
  // clang-format off
  config.argv = {options_.executor_binary, "executor",
                 "--agent", executor_address_,
                 "--framework-id", config.framework_id,
                 "--executor-id", config.executor_id,
                 "--container-id", config.container_id,
                 "--sandbox", config.sandbox};
  // clang-format on
  if (call.checkpoint) {
    // The executor outlives this agent process and reconnects to the next one.
    config.argv.insert(config.argv.end(),
                       {"--checkpoint", "--agent-address-file", address_path(options_.work_dir),
                        "--recovery-timeout", format_duration(options_.recovery_timeout)});
  }
  // A clean environment, never the agent's; the executor removes the secret
  // from what its task gets.
  config.env = executor_environment(*user, executor_environment_, config.secret);
  const TlsServerOptions& tls = options_.server.tls;
  if (!tls.ca_file.empty()) {
    // The executor checks this agent's certificate with the agent's CA and,
    // when the agent verifies its peers, shows the agent's own certificate.
    set_env(config.env, "CLUSTERCTL_TLS_CA", tls.ca_file);
    if (tls.verify_peer) {
      set_env(config.env, "CLUSTERCTL_TLS_CERT", tls.cert_file);
      set_env(config.env, "CLUSTERCTL_TLS_KEY", tls.key_file);
    }
  }
  return config;
}

// The task's user when the agent switches users (root, --switch-user), else
// the agent's own.
StatusOr<TaskUser> AgentImpl::task_user(const RunTaskCall& call) const {
  const std::string& name = call.task.user.empty() ? call.framework_user : call.task.user;
  if (!options_.switch_user || ::geteuid() != 0 || name.empty()) return current_task_user();
  return lookup_task_user(name, options_.hostname);
}

void AgentImpl::register_executor(const RpcConnectionPtr& connection,
                                  const RegisterExecutorCall& call, RpcResponder responder) {
  auto found = executors_.find(call.container_id);
  // Only a process the agent spawned (or adopted) and that will get its task
  // registers: not before the spawn, not after a failed launch, not after its exit.
  if (found == executors_.end() || !accepts_registration(found->second->phase()) ||
      found->second->config.framework_id != call.framework_id ||
      found->second->config.executor_id != call.executor_id) {
    responder.fail(Status::not_found("no executor " + call.executor_id + " of framework " +
                                     call.framework_id + " in container " + call.container_id +
                                     " on this agent"));
    return;
  }
  ExecutorRecord& executor = *found->second;
  Status proved = check_executor_identity(executor, connection, call);
  if (!proved) {
    LOG(kWarning) << "refused executor.register from " << connection->peer_address() << ": "
                  << proved.message();
    responder.fail(proved);
    return;
  }
  if (call.pid != executor.pid && call.pid != 1) {  // 1: in a pid namespace of its own
    LOG(kWarning) << "executor " << call.executor_id << " says its pid is " << call.pid
                  << "; the agent started " << executor.pid;
  }
  executor.connection = connection;
  executor.reregister_deadline.cancel();
  LOG(kInfo) << "executor " << call.executor_id
             << (executor.recovered ? " reconnected after the agent restarted" : " registered");
  executor.pending_registration = std::move(responder);
  if (is_isolated(executor.phase())) answer_registration(executor);  // else once isolated
}

void AgentImpl::executor_update(const RpcConnectionPtr& connection, TaskStatus status,
                                RpcResponder responder) {
  ExecutorRecord* executor = nullptr;
  for (auto& [container_id, record] : executors_) {
    if (record->connection == connection) executor = record.get();
  }
  if (executor == nullptr) {
    responder.fail(Status::failed_precondition("call executor.register before sending updates"));
    return;
  }
  if (status.task_id != executor->config.task.task_id) {
    responder.fail(Status::invalid("this executor runs task " + executor->config.task.task_id +
                                   ", not " + status.task_id));
    return;
  }
  if (!updates_.has_stream(executor->config.framework_id, status.task_id)) {
    responder.reply(empty_payload());  // sent again after its stream ended: nothing to do
    return;
  }
  if (status.state == TaskState::kRunning && executor->task_group == 0) {
    executor->task_group = find_task_group(executor->pid);
    executor->task_start_time = process_start_time(executor->task_group).value_or(0);
    if (executor->checkpoint) checkpoint_executor(*executor);
  }
  // The executor is answered once the update is kept (on disk if checkpointed).
  auto answer = std::make_shared<RpcResponder>(std::move(responder));
  auto stored = [answer](const Status& kept) {
    if (kept) {
      answer->reply(empty_payload());
    } else {
      answer->fail(kept);
    }
  };
  bool again = updates_.received(executor->config.framework_id, status.task_id, status.uuid);
  if (is_terminal(status.state) && !again) {
    end_task(*executor, std::move(status), std::move(stored));
  } else {
    forward_update(*executor, std::move(status), std::move(stored));
  }
}

void AgentImpl::forward_update(ExecutorRecord& executor, TaskStatus status,
                               StatusUpdateManager::Stored stored) {
  const ContainerConfig& config = executor.config;
  status.task_id = config.task.task_id;
  status.framework_id = config.framework_id;
  status.executor_id = config.executor_id;
  status.agent_id = link_.agent_id();
  if (status.uuid.empty()) status.uuid = new_id("update");
  if (updates_.received(config.framework_id, status.task_id, status.uuid)) {
    updates_.update(std::move(status), std::move(stored));  // sent again: taken once
    return;
  }
  if (executor.task_ended()) {
    LOG(kWarning) << "ignoring " << status.state << " for task " << config.task.task_id
                  << ": it already ended as " << executor.state;
    stored(Status::ok());
    return;
  }
  executor.state = status.state;
  auto live = live_tasks_.find(agent_task_key(config.framework_id, config.task.task_id));
  if (live != live_tasks_.end()) live->second.state = status.state;
  LOG(kInfo) << "task " << config.task.task_id << " is " << status.state
             << (status.reason.empty() ? "" : " (" + status.reason + ")");
  updates_.update(std::move(status), std::move(stored));
}

// The framework has the task's terminal update: it is no longer reported.
void AgentImpl::stream_done(const std::string& framework_id, const std::string& task_id) {
  std::string key = agent_task_key(framework_id, task_id);
  live_tasks_.erase(key);
  forget_run_if_done(key);
}

void AgentImpl::executor_exited(const std::string& container_id,
                                const std::optional<ExitStatus>& exit) {
  auto found = executors_.find(container_id);
  if (found == executors_.end()) return;
  ExecutorRecord& executor = *found->second;
  if (!has_process(executor.phase())) {
    LOG(kError) << "ignoring an exit of executor " << executor.config.executor_id << ": it is "
                << executor.phase();
    return;
  }
  executor.kill_deadline.cancel();
  executor.reregister_deadline.cancel();
  std::string how = exit ? exit->describe()
                         : "exited (its exit status is unknown: an earlier agent process "
                           "started it)";
  LOG(kInfo) << "executor " << executor.config.executor_id << " (pid " << executor.pid << ") "
             << how;
  if (executor.pending_registration) {
    executor.pending_registration->fail(Status::unavailable("the executor exited"));
    executor.pending_registration.reset();
  }
  if (executor.phase() == ExecutorPhase::kEnding) {
    executor.move_to(ExecutorPhase::kExited);  // conclude() cleans up once the end is checked
    return;
  }
  // An aborted launch had its end reported when it was aborted.
  if (!executor.task_ended()) {
    // The executor can no longer clean up after itself.
    kill_task_group(executor);
    std::string message = "executor " + how;
    TaskStatus status =
        !executor.end_reason.empty()
            ? make_status(executor, executor.end_state, executor.end_reason, message)
        : executor.kill_requested
            ? make_status(executor, TaskState::kKilled, "killed", message)
            : make_status(executor, TaskState::kFailed, "executor terminated", message);
    end_task(executor, std::move(status));
    found = executors_.find(container_id);
    if (found == executors_.end()) return;
    if (found->second->phase() == ExecutorPhase::kEnding) {
      found->second->move_to(ExecutorPhase::kExited);  // conclude() cleans up after the check
      return;
    }
  }
  remove_executor(container_id);
}

void AgentImpl::kill_task(const KillTaskCall& call, RpcResponder responder) {
  ExecutorRecord* executor = find_executor(call.framework_id, call.task_id);
  if (executor == nullptr) {
    if (live_tasks_.count(agent_task_key(call.framework_id, call.task_id)) > 0) {
      responder.reply(empty_payload());  // it has ended; the master is being told
    } else {
      responder.fail(Status::not_found("task " + call.task_id + " of framework " +
                                       call.framework_id + " is not on this agent"));
    }
    return;
  }
  responder.reply(empty_payload());
  kill_executor(*executor, call.grace_millis);
}

void AgentImpl::kill_executor(ExecutorRecord& executor, int64_t grace_millis) {
  if (executor.task_ended()) return;  // it is ending by itself (an aborted launch too)
  const ContainerConfig& config = executor.config;
  int64_t grace = grace_millis >= 0 ? grace_millis : config.task.kill_grace_millis;
  executor.kill_requested = true;
  if (executor.phase() == ExecutorPhase::kPreparing) {  // stop that; the launch ends KILLED
    launcher_.cancel(config.container_id);
    return;
  }
  if (!executor.connection || !executor.connection->is_open()) {
    kill_for_good(executor, "its executor is not connected");
    return;
  }
  LOG(kInfo) << "killing task " << config.task.task_id << " (grace "
             << format_duration(Duration(grace)) << ")";
  std::string container_id = config.container_id;
  auto escalate = [this, container_id](const std::string& why) {
    auto found = executors_.find(container_id);
    if (found != executors_.end()) kill_for_good(*found->second, why);
  };
  KillTaskCall call{config.framework_id, config.task.task_id, grace};
  executor.connection->call("executor.kill_task", pack_payload(call), kExecutorCallTimeout,
                            [escalate](StatusOr<RpcValue> reply) {
                              if (!reply) escalate("executor: " + reply.status().message());
                            });
  if (!executor.kill_deadline.pending()) {
    executor.kill_deadline.start(Duration(grace + kKillSlackMillis), [escalate] {
      escalate("it is still running after its grace period");
    });
  }
}

// SIGKILL to the task's group and the executor's; the exit reports KILLED.
void AgentImpl::kill_for_good(ExecutorRecord& executor, const std::string& why) {
  LOG(kWarning) << "killing executor " << executor.config.executor_id << " and task "
                << executor.config.task.task_id << " with SIGKILL: " << why;
  executor.kill_requested = true;
  executor.kill_deadline.cancel();
  if (!has_process(executor.phase())) return;  // nothing (left) to signal
  if (executor.task_group == 0) executor.task_group = find_task_group(executor.pid);
  kill_task_group(executor);
  kill_group(executor.pid);
}

// Checks the start time of a task adopted after a restart, so that a reused
// pid is never signalled.
void AgentImpl::kill_task_group(ExecutorRecord& executor) {
  if (executor.task_group == 0) return;
  if (executor.task_start_time != 0) {
    auto start = process_start_time(executor.task_group);
    if (start.is_ok() && *start != executor.task_start_time) return;
  }
  kill_group(executor.task_group);
}

ExecutorRecord* AgentImpl::find_executor(const std::string& framework_id,
                                         const std::string& task_id) {
  for (auto& [container_id, executor] : executors_) {
    if (executor->config.framework_id == framework_id && executor->config.task.task_id == task_id &&
        executor->phase() != ExecutorPhase::kAborting) {
      return executor.get();
    }
  }
  return nullptr;
}

TaskStatus AgentImpl::make_status(const ExecutorRecord& executor, TaskState state,
                                  const std::string& reason, const std::string& message) const {
  return make_task_status({executor.config.task.task_id, executor.config.framework_id,
                           link_.agent_id(), executor.config.executor_id},
                          state, reason, message);
}

bool ExecutorRecord::move_to(ExecutorPhase to) {
  return lifecycle_.move_to(to, "executor " + config.executor_id + " of task " +
                                    config.task.task_id + " (container " + config.container_id +
                                    ")");
}

bool outlives_agent(const ExecutorRecord& executor) {
  ExecutorPhase phase = executor.phase();
  return executor.checkpoint && (is_isolated(phase) || phase == ExecutorPhase::kExited);
}

}  // namespace clusterctl
