// The command executor's event loop: register, run the task, report, obey
// kills. Everything happens on one io_context thread.
#include "daemons/executor/command_executor.hpp"

#include <signal.h>
#include <unistd.h>

#include <deque>
#include <memory>

#include "core/asio.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/messages.hpp"
#include "core/process/child_watcher.hpp"
#include "core/process/group_killer.hpp"
#include "core/rpc/rpc.hpp"
#include "core/task_status.hpp"
#include "core/timer.hpp"
#include "daemons/executor/rotating_output.hpp"
#include "daemons/executor/task_command.hpp"

namespace clusterctl {

namespace {

constexpr Duration kConnectTimeout{10000};
constexpr Duration kCallTimeout{30000};

class CommandExecutor {
 public:
  CommandExecutor(asio::io_context& io, CommandExecutorOptions options)
      : io_(io), options_(std::move(options)), watcher_(io), killer_(io), signals_(io) {}

  void start();
  int exit_code() const { return exit_code_; }

 private:
  void connected(StatusOr<RpcConnectionPtr> connection);
  void registered(StatusOr<RpcValue> reply);
  void launch();
  // The task's stdout and stderr: straight into the sandbox files, or through
  // pipes into rotated files when the agent set a size limit.
  Status route_output(SpawnOptions& spawn);
  void task_exited(const ExitStatus& exit);
  void on_request(const RpcMessage& message, RpcResponder responder);
  void kill_task(Duration grace);
  void on_signal(const boost::system::error_code& error, int signal_number);
  void connection_lost(const Status& why);

  // The update queue: one call in flight, the next sent when it is answered.
  void send_update(TaskState state, const std::string& reason, const std::string& message,
                   std::optional<int32_t> exit_code = std::nullopt);
  void send_next();
  void update_answered(StatusOr<RpcValue> reply);
  void finish(int code);

  asio::io_context& io_;
  CommandExecutorOptions options_;
  RpcConnectionPtr connection_;
  ChildWatcher watcher_;
  GroupKiller killer_;
  asio::signal_set signals_;
  TaskInfo task_;
  uint64_t log_max_bytes_ = 0;
  uint32_t log_keep_ = 0;
  std::unique_ptr<RotatingOutput> stdout_;
  std::unique_ptr<RotatingOutput> stderr_;
  pid_t task_pid_ = 0;  // while the task runs
  bool registered_ = false;
  bool kill_requested_ = false;
  bool connection_gone_ = false;
  bool finished_ = false;
  std::deque<TaskStatus> updates_;
  bool update_in_flight_ = false;
  int exit_code_ = 1;
};

void CommandExecutor::start() {
  signals_.add(SIGTERM);
  signals_.add(SIGINT);
  signals_.async_wait(
      [this](const boost::system::error_code& error, int number) { on_signal(error, number); });
  RpcHandlers handlers;
  handlers.on_request = [this](const RpcConnectionPtr&, const RpcMessage& message,
                               RpcResponder responder) {
    on_request(message, std::move(responder));
  };
  handlers.on_close = [this](const RpcConnectionPtr&, const Status& why) { connection_lost(why); };
  rpc_connect(io_, options_.agent, std::move(handlers), kConnectTimeout,
              [this](StatusOr<RpcConnectionPtr> connection) { connected(std::move(connection)); });
}

void CommandExecutor::connected(StatusOr<RpcConnectionPtr> connection) {
  if (!connection) {
    LOG(kError) << "cannot reach the agent: " << connection.status().message();
    finish(1);
    return;
  }
  connection_ = *connection;
  RegisterExecutorCall call{options_.framework_id, options_.executor_id, options_.container_id,
                            static_cast<int32_t>(::getpid())};
  connection_->call("executor.register", pack_payload(call), kCallTimeout,
                    [this](StatusOr<RpcValue> reply) { registered(std::move(reply)); });
}

void CommandExecutor::registered(StatusOr<RpcValue> reply) {
  if (finished_) return;
  StatusOr<RegisterExecutorReply> registration =
      reply ? reply->as<RegisterExecutorReply>("executor.register reply") : reply.status();
  if (!registration) {
    LOG(kError) << "registration with the agent failed: " << registration.status().message();
    finish(1);
    return;
  }
  registered_ = true;
  task_ = registration->task;
  if (!registration->sandbox.empty()) options_.sandbox = registration->sandbox;
  log_max_bytes_ = registration->log_max_bytes;
  log_keep_ = registration->log_keep;
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

void CommandExecutor::task_exited(const ExitStatus& exit) {
  killer_.cancel();
  task_pid_ = 0;
  // Whatever the task wrote before it ended is in the files before it is reported.
  if (stdout_) stdout_->drain();
  if (stderr_) stderr_->drain();
  LOG(kInfo) << "task " << task_.task_id << " " << exit.describe();
  if (connection_gone_) {
    finish(1);
    return;
  }
  TaskOutcome outcome = task_outcome(exit, kill_requested_);
  send_update(outcome.state, outcome.reason, outcome.message, exit.exit_code);
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

void CommandExecutor::connection_lost(const Status& why) {
  if (finished_) return;
  connection_gone_ = true;
  LOG(kError) << "lost the connection to the agent: " << why.message();
  if (task_pid_ == 0) {
    finish(1);
    return;
  }
  killer_.kill_now(task_pid_);  // finish(1) once it is reaped
}

void CommandExecutor::send_update(TaskState state, const std::string& reason,
                                  const std::string& message, std::optional<int32_t> exit_code) {
  TaskStatus status =
      make_task_status({task_.task_id, options_.framework_id, task_.agent_id, options_.executor_id},
                       state, reason, message);
  status.exit_code = exit_code;
  updates_.push_back(std::move(status));
  send_next();
}

void CommandExecutor::send_next() {
  if (update_in_flight_ || updates_.empty() || finished_ || connection_gone_) return;
  update_in_flight_ = true;
  connection_->call("executor.status_update", pack_payload(StatusUpdateCall{updates_.front()}),
                    kCallTimeout,
                    [this](StatusOr<RpcValue> reply) { update_answered(std::move(reply)); });
}

void CommandExecutor::update_answered(StatusOr<RpcValue> reply) {
  update_in_flight_ = false;
  if (finished_ || connection_gone_) return;
  const TaskStatus& sent = updates_.front();
  if (!reply) {
    ErrorKind kind = reply.status().kind();
    if (kind == ErrorKind::kUnavailable) return;  // connection_lost follows
    LOG(kWarning) << "status update " << sent.state << ": " << reply.status().message();
    if (kind == ErrorKind::kTimeout) {
      send_next();  // the agent is slow: resend the same update
      return;
    }
  }
  bool terminal = is_terminal(*parse_task_state(sent.state));
  updates_.pop_front();
  if (terminal) {
    finish(reply ? 0 : 1);
    return;
  }
  send_next();
}

void CommandExecutor::finish(int code) {
  if (finished_) return;
  finished_ = true;
  exit_code_ = code;
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  if (connection_) connection_->close("executor done");
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
