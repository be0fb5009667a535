// AgentImpl: the agent's state and event handlers, split by concern over
// agent.cpp (start-up, dispatch, HTTP, shutdown), executors.cpp (executor
// registration, status updates, kills, exits), executor_launch.cpp (the
// asynchronous launch: prepare, spawn, isolate; cleanup) and
// container_monitor.cpp (usage, limits, the task's end). Its parts live in
// their own files: MasterLink, StatusForwarder, ContainerLauncher with the
// Isolation and FetcherHook, FileServer, SandboxGc, sandboxes and resource
// detection.
//
// Threading: everything runs on the one io_context thread (actor style, no
// locks). Child exits arrive there through the ChildWatcher.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/isolator_messages.hpp"
#include "core/messages.hpp"
#include "core/process/child_watcher.hpp"
#include "core/process/process.hpp"
#include "core/rpc/rpc.hpp"
#include "core/task_state.hpp"
#include "core/task_usage.hpp"
#include "core/timer.hpp"
#include "daemons/agent/agent.hpp"
#include "daemons/agent/container_launcher.hpp"
#include "daemons/agent/fetcher_hook.hpp"
#include "daemons/agent/file_server.hpp"
#include "daemons/agent/isolation.hpp"
#include "daemons/agent/master_link.hpp"
#include "daemons/agent/sandbox_gc.hpp"
#include "daemons/agent/status_forwarder.hpp"

namespace clusterctl {

// One executor process and the one task it runs.
struct ExecutorRecord {
  explicit ExecutorRecord(boost::asio::io_context& io) : kill_deadline(io) {}

  ContainerConfig config;       // ids, sandbox, task
  pid_t pid = 0;                // the executor, leader of its own process group; 0 while preparing
  pid_t task_group = 0;         // the task's process group, once the task runs
  RpcConnectionPtr connection;  // set by executor.register
  std::string state = "STAGING";  // the task's latest state
  bool terminal = false;          // a terminal update was queued for the task
  bool kill_requested = false;
  bool launch_failed = false;  // the launch was refused: forget it silently on exit
  Timer kill_deadline;         // after grace + 5 s: SIGKILL both groups
  bool isolated = false;       // executor.register is answered only once isolated
  std::optional<RpcResponder> pending_registration;
  std::optional<ContainerLimitation> limitation;  // a limit the container went over
  std::optional<TaskUsage> usage;                 // the latest measurement
  bool ending = false;    // a terminal status waits for the limitation check
  bool exited = false;    // the executor was reaped
  bool removing = false;  // cleanup runs; the record goes when it is done
};

class AgentImpl : public Agent {
 public:
  AgentImpl(boost::asio::io_context& io, AgentOptions options, Resources resources,
            Attributes attributes);
  ~AgentImpl() override;
  Status start();
  std::string address() const override;
  void shutdown(std::function<void()> done) override;

 private:
  // agent.cpp
  void on_master_request(const RpcConnectionPtr& connection, const RpcMessage& message,
                         RpcResponder responder);
  void on_request(const RpcConnectionPtr& connection, const RpcMessage& message,
                  RpcResponder responder);
  void on_close(const RpcConnectionPtr& connection, const Status& why);
  HttpResponse on_http(const HttpRequest& request) const;
  Payload state_view() const;  // /state, packed
  RegisterAgentCall registration() const;
  void master_registered(const RpcConnectionPtr& master);
  void shutdown_step();  // advances the shutdown once executors are gone
  void finish_shutdown();

  // executors.cpp
  void run_task(const RunTaskCall& call, RpcResponder responder);
  StatusOr<ContainerConfig> container_config(const RunTaskCall& call) const;
  void register_executor(const RpcConnectionPtr& connection, const RegisterExecutorCall& call,
                         RpcResponder responder);
  void executor_update(const RpcConnectionPtr& connection, TaskStatus status,
                       RpcResponder responder);
  void executor_exited(const std::string& container_id, const ExitStatus& exit);
  void kill_task(const KillTaskCall& call, RpcResponder responder);
  // Asks the executor to kill its task; SIGKILLs both groups if it cannot.
  void kill_executor(ExecutorRecord& executor, int64_t grace_millis);
  void kill_for_good(ExecutorRecord& executor, const std::string& why);
  // Records the task's state and queues the update for the master.
  void forward_update(ExecutorRecord& executor, TaskStatus status);
  void update_done(const TaskStatus& status);
  ExecutorRecord* find_executor(const std::string& framework_id, const std::string& task_id);
  TaskStatus make_status(const ExecutorRecord& executor, TaskState state, const std::string& reason,
                         const std::string& message) const;

  // executor_launch.cpp
  // Starts preparing the container; the executor is spawned once prepared.
  Status launch(const RunTaskCall& call);
  void prepared(const std::string& container_id, PrepareResult result);
  void isolated(const std::string& container_id, const Status& status);
  void answer_registration(ExecutorRecord& executor);
  // Cleans the container up (hooks in reverse), then forgets the executor.
  void remove_executor(const std::string& container_id);
  std::vector<std::shared_ptr<ContainerHook>> container_hooks();

  // container_monitor.cpp
  // The task's terminal status: limits are checked first (a kernel OOM kill
  // looks like any SIGKILL), then it is forwarded.
  void end_task(ExecutorRecord& executor, TaskStatus status);
  void conclude(const std::string& container_id, TaskStatus status);
  void on_limitation(const std::string& container_id, const ContainerLimitation& limitation);
  void fetch_progress(const std::string& container_id, const std::string& message);
  void measure_usage();  // every usage_interval: usage, polled limits, report to the master

  boost::asio::io_context& io_;
  AgentOptions options_;
  Resources resources_;
  Attributes attributes_;
  std::unique_ptr<RpcServer> server_;
  std::string executor_address_;  // where executors reach this agent
  ChildWatcher watcher_;
  StatusForwarder forwarder_;
  MasterLink link_;
  std::shared_ptr<Isolation> isolation_;  // set up by container_hooks()
  std::shared_ptr<FetcherHook> fetcher_;
  ContainerLauncher launcher_;
  FileServer files_;
  SandboxGc gc_;
  Timer usage_timer_;
  // By container id.
  std::map<std::string, std::unique_ptr<ExecutorRecord>> executors_;
  // Tasks whose terminal update the master has not had yet, by task_key().
  std::map<std::string, AgentTask> live_tasks_;

  bool shutting_down_ = false;
  bool shutdown_finished_ = false;
  std::function<void()> shutdown_done_;
  Timer shutdown_timer_;
};

// "FRAMEWORK_ID/TASK_ID"
std::string agent_task_key(const std::string& framework_id, const std::string& task_id);

}  // namespace clusterctl
