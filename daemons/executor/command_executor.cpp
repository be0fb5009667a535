// The command executor's event loop: register, run the task, report, obey
// kills, run health checks. Everything happens on one io_context thread.
#include "daemons/executor/command_executor.hpp"

#include <signal.h>
#include <unistd.h>

#include <memory>

#include "core/asio.hpp"
#include "core/log.hpp"
#include "core/messages.hpp"
#include "core/process/child_watcher.hpp"
#include "core/process/group_killer.hpp"
#include "core/task_status.hpp"
#include "daemons/executor/agent_session.hpp"
#include "daemons/executor/health_check.hpp"
#include "daemons/executor/rotating_output.hpp"
#include "daemons/executor/task_command.hpp"

namespace clusterctl {

namespace {

AgentSessionOptions session_options(const CommandExecutorOptions& options) {
  AgentSessionOptions session;
  session.agent = options.agent;
  session.tls = options.tls;
  session.agent_address_file = options.agent_address_file;
  session.checkpoint = options.checkpoint;
  session.recovery_timeout = options.recovery_timeout;
  session.identity =
      RegisterExecutorCall{options.framework_id, options.executor_id, options.container_id,
                           static_cast<int32_t>(::getpid()), options.secret};
  return session;
}

class CommandExecutor {
 public:
  CommandExecutor(asio::io_context& io, CommandExecutorOptions options)
      : io_(io),
        options_(std::move(options)),
        watcher_(io),
        killer_(io),
        signals_(io),
        session_(io, session_options(options_),
                 AgentSession::Callbacks{
                     [this](const RegisterExecutorReply& reply) { registered(reply); },
                     [this](const RpcMessage& message, RpcResponder responder) {
                       on_request(message, std::move(responder));
                     },
                     [this](const Status& why) { agent_lost(why); }, [this] { finish(0); }}) {}

  void start();
  int exit_code() const { return exit_code_; }

 private:
  void registered(const RegisterExecutorReply& reply);
  void launch();
  // The task's stdout and stderr: straight into the sandbox files, or through
  // pipes into rotated files when the agent set a size limit. The pipes are
  // read here, so output keeps flowing while the agent is away.
  Status route_output(SpawnOptions& spawn);
  void start_health_checks(const std::vector<std::string>& environment);
  void health_changed(bool healthy, const std::string& message);
  void task_exited(const ExitStatus& exit);
  void on_request(const RpcMessage& message, RpcResponder responder);
  void kill_task(Duration grace);
  void on_signal(const boost::system::error_code& error, int signal_number);
  void agent_lost(const Status& why);
  void send_update(TaskState state, const std::string& reason, const std::string& message,
                   std::optional<int32_t> exit_code = std::nullopt,
                   std::optional<bool> healthy = std::nullopt);
  void finish(int code);

  asio::io_context& io_;
  CommandExecutorOptions options_;
  ChildWatcher watcher_;
  GroupKiller killer_;
  asio::signal_set signals_;
  AgentSession session_;
  std::unique_ptr<HealthChecker> health_;
  TaskInfo task_;
  pid_t task_pid_ = 0;  // while the task runs
  bool registered_ = false;
  bool kill_requested_ = false;
  bool unhealthy_ = false;  // killed for failing its health check
  std::optional<bool> healthy_;
  bool agent_gone_ = false;
  bool finished_ = false;
  int exit_code_ = 1;
  uint64_t log_max_bytes_ = 0;
  uint32_t log_keep_ = 0;
  std::unique_ptr<RotatingOutput> stdout_;
  std::unique_ptr<RotatingOutput> stderr_;
};

void CommandExecutor::start() {
  signals_.add(SIGTERM);
  signals_.add(SIGINT);
  signals_.async_wait(
      [this](const boost::system::error_code& error, int number) { on_signal(error, number); });
  session_.start();
}

void CommandExecutor::registered(const RegisterExecutorReply& reply) {
  if (finished_) return;
  if (registered_) {
    LOG(kInfo) << "reconnected to the agent; task " << task_.task_id << " kept running";
    return;
  }
  registered_ = true;
  task_ = reply.task;
  if (!reply.sandbox.empty()) options_.sandbox = reply.sandbox;
  log_max_bytes_ = reply.log_max_bytes;
  log_keep_ = reply.log_keep;
  LOG(kInfo) << "registered with agent " << options_.agent << "; task " << task_.task_id;
  if (kill_requested_) {
    send_update(TaskState::kKilled, "killed", "killed before it started");
    return;
  }
  send_update(TaskState::kStarting, "", "");
  launch();
}

void CommandExecutor::launch() {
  SpawnOptions spawn;
  spawn.argv = task_argv(task_.command);
  spawn.env =
      task_environment(current_environment(), task_, options_.framework_id, options_.sandbox);
  spawn.working_dir = options_.sandbox;
  Status routed = route_output(spawn);
  StatusOr<pid_t> pid = routed ? spawn_process(spawn) : StatusOr<pid_t>(routed);
  if (stdout_) stdout_->start();  // closes our copies of the write ends
  if (stderr_) stderr_->start();
  if (!pid) {
    LOG(kError) << "task " << task_.task_id << ": " << pid.status().message();
    send_update(TaskState::kFailed, "launch failed", pid.status().message());
    return;
  }
  task_pid_ = *pid;
  Status watched =
      watcher_.watch_group(task_pid_, [this](const ExitStatus& exit) { task_exited(exit); });
  if (!watched) {  // cannot happen for our own fresh child; never leave it unwatched
    LOG(kError) << watched.message();
    killer_.kill_now(task_pid_);
  }
  LOG(kInfo) << "task " << task_.task_id << " started as process " << task_pid_;
  send_update(TaskState::kRunning, "", "");
  if (task_.health_check) start_health_checks(spawn.env);
}

Status CommandExecutor::route_output(SpawnOptions& spawn) {
  spawn.stdout_path = options_.sandbox + "/stdout";
  spawn.stderr_path = options_.sandbox + "/stderr";
  if (log_max_bytes_ == 0) return Status::ok();
  stdout_ = std::make_unique<RotatingOutput>(io_, spawn.stdout_path, log_max_bytes_, log_keep_);
  stderr_ = std::make_unique<RotatingOutput>(io_, spawn.stderr_path, log_max_bytes_, log_keep_);
  StatusOr<int> out = stdout_->open();
  if (!out) return out.status();
  StatusOr<int> err = stderr_->open();
  if (!err) return err.status();
  spawn.stdout_fd = *out;
  spawn.stderr_fd = *err;
  return Status::ok();
}

void CommandExecutor::start_health_checks(const std::vector<std::string>& environment) {
  Status valid = validate_health_check(*task_.health_check);
  if (!valid) {
    LOG(kError) << "task " << task_.task_id << " has an invalid health check: " << valid.message();
    return;
  }
  health_ = std::make_unique<HealthChecker>(
      io_, *task_.health_check, options_.sandbox, environment,
      HealthChecker::Callbacks{
          [this](bool healthy, const std::string& message) { health_changed(healthy, message); },
          [this](const std::string& message) {
            LOG(kWarning) << "task " << task_.task_id << " is unhealthy: " << message;
            unhealthy_ = true;
            kill_task(Duration(task_.kill_grace_millis));
          }});
  health_->start();
}

void CommandExecutor::health_changed(bool healthy, const std::string& message) {
  healthy_ = healthy;
  if (unhealthy_ || task_pid_ == 0) return;
  send_update(TaskState::kRunning, healthy ? "health check passed" : "health check failed", message,
              std::nullopt, healthy);
}

void CommandExecutor::task_exited(const ExitStatus& exit) {
  killer_.cancel();
  health_.reset();
  task_pid_ = 0;
  LOG(kInfo) << "task " << task_.task_id << " " << exit.describe();
  // Whatever the task wrote before it ended is in the files before it is reported.
  if (stdout_) stdout_->drain();
  if (stderr_) stderr_->drain();
  if (agent_gone_) {
    finish(1);
    return;
  }
  TaskOutcome outcome = task_outcome(exit, kill_requested_);
  if (unhealthy_) outcome.reason = "health check failed";
  send_update(outcome.state, outcome.reason, outcome.message, exit.exit_code,
              unhealthy_ ? std::optional<bool>(false) : healthy_);
}

void CommandExecutor::on_request(const RpcMessage& message, RpcResponder responder) {
  if (message.method != "executor.kill_task") {
    responder.fail(Status::not_found("unknown method '" + message.method + "'"));
    return;
  }
  StatusOr<KillTaskCall> call = message.params.as<KillTaskCall>("executor.kill_task");
  if (!call) {
    responder.fail(call.status());
    return;
  }
  if (registered_ && call->task_id != task_.task_id) {
    responder.fail(
        Status::not_found("this executor runs task " + task_.task_id + ", not " + call->task_id));
    return;
  }
  responder.reply(empty_payload());
  int64_t grace = call->grace_millis >= 0 ? call->grace_millis : task_.kill_grace_millis;
  kill_task(Duration(grace));
}

void CommandExecutor::kill_task(Duration grace) {
  kill_requested_ = true;
  if (task_pid_ == 0) return;  // not started (KILLED once registered) or already ended
  LOG(kInfo) << "killing task " << task_.task_id << " (grace " << format_duration(grace) << ")";
  killer_.kill(task_pid_, grace);
}

void CommandExecutor::on_signal(const boost::system::error_code& error, int signal_number) {
  if (error || finished_) return;
  LOG(kInfo) << "received " << signal_name(signal_number) << ": killing the task";
  kill_task(Duration(task_.kill_grace_millis));
  signals_.async_wait(
      [this](const boost::system::error_code& e, int number) { on_signal(e, number); });
}

void CommandExecutor::agent_lost(const Status& why) {
  if (finished_) return;
  agent_gone_ = true;
  LOG(kError) << why.message() << (task_pid_ != 0 ? ": killing the task" : "");
  if (task_pid_ == 0) {
    finish(1);
    return;
  }
  killer_.kill_now(task_pid_);  // finish(1) once it is reaped
}

void CommandExecutor::send_update(TaskState state, const std::string& reason,
                                  const std::string& message, std::optional<int32_t> exit_code,
                                  std::optional<bool> healthy) {
  TaskStatus status =
      make_task_status({task_.task_id, options_.framework_id, task_.agent_id, options_.executor_id},
                       state, reason, message);
  status.exit_code = exit_code;
  status.healthy = healthy;
  session_.send(std::move(status));
}

void CommandExecutor::finish(int code) {
  if (finished_) return;
  finished_ = true;
  exit_code_ = code;
  health_.reset();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  session_.close();
  io_.stop();
}

}  // namespace

int run_command_executor(const CommandExecutorOptions& options) {
  set_log_component("executor");
  asio::io_context io;
  CommandExecutor executor(io, options);
  executor.start();
  io.run();
  return executor.exit_code();
}

}  // namespace clusterctl
