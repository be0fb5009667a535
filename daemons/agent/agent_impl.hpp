// AgentImpl: the agent's state and event handlers, split by concern over
// agent.cpp (start-up, dispatch, HTTP, shutdown), executors.cpp (executor
// registration, status updates, kills, exits), executor_launch.cpp (the
// asynchronous launch: prepare, spawn, isolate; cleanup), container_monitor.cpp
// (usage, limits, the task's end) and agent_recovery.cpp (checkpoints and
// recovery after a restart). Its parts live in their own files: MasterLink,
// StatusUpdateManager, CheckpointWriter, ContainerLauncher with the Isolation
// and FetcherHook, FileServer, SandboxGc, sandboxes and resource detection.
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
#include "daemons/agent/checkpoint.hpp"
#include "daemons/agent/checkpoint_writer.hpp"
#include "daemons/agent/container_launcher.hpp"
#include "daemons/agent/executor_lifecycle.hpp"
#include "daemons/agent/fetcher_hook.hpp"
#include "daemons/agent/file_server.hpp"
#include "daemons/agent/isolation.hpp"
#include "daemons/agent/master_link.hpp"
#include "daemons/agent/sandbox_gc.hpp"
#include "daemons/agent/status_update_manager.hpp"
#include "daemons/agent/task_user.hpp"

namespace clusterctl {

// One executor process and the one task it runs. Its phase (where the launch
// or the end is) changes only through move_to (executor_lifecycle.hpp, which
// also says why the few booleans left are facts rather than phases).
struct ExecutorRecord {
  ExecutorRecord(boost::asio::io_context& io, ExecutorLifecycle lifecycle)
      : kill_deadline(io), reregister_deadline(io), lifecycle_(lifecycle) {}

  ExecutorPhase phase() const { return lifecycle_.phase(); }
  // Moves to `to` if the lifecycle's table has the move; else logs and stays.
  bool move_to(ExecutorPhase to);
  // A terminal update was queued for the task.
  bool task_ended() const { return is_terminal(state); }

  ContainerConfig config;       // ids, sandbox, task
  pid_t pid = 0;                // the executor, leader of its own process group; 0 while preparing
  pid_t task_group = 0;         // the task's process group, once the task runs
  RpcConnectionPtr connection;  // set by executor.register
  TaskState state = TaskState::kStaging;  // the task's latest state
  bool kill_requested = false;            // a kill was asked for (fact: see the lifecycle)
  Timer kill_deadline;                    // after grace + 5 s: SIGKILL both groups
  // Containers (executor_launch.cpp, container_monitor.cpp).
  std::optional<RpcResponder> pending_registration;  // answered once is_isolated(phase())
  std::optional<ContainerLimitation> limitation;     // a limit the container went over
  std::optional<TaskUsage> usage;                    // the latest measurement
  // Checkpointing (agent_recovery.cpp).
  bool checkpoint = false;  // its framework checkpoints: it outlives the agent process
  bool recovered = false;   // adopted from an earlier agent process: not our child
  uint64_t pid_start_time = 0;
  uint64_t task_start_time = 0;
  // Set when the agent ends the executor on its own (not on a kill request):
  // the state and reason of the update its exit causes.
  TaskState end_state = TaskState::kKilled;
  std::string end_reason;
  Timer reregister_deadline;  // a recovered executor must reconnect by then

 private:
  ExecutorLifecycle lifecycle_;
};

// Whether the executor is left to the next agent process when this one stops:
// its framework checkpoints and its container is set up (an executor still
// being prepared has nothing to keep; one being cleaned up is waited for).
bool outlives_agent(const ExecutorRecord& executor);

class AgentImpl : public Agent {
 public:
  AgentImpl(boost::asio::io_context& io, AgentOptions options, Resources resources,
            Attributes attributes);
  ~AgentImpl() override;
  Status start();
  std::string address() const override;
  void shutdown(std::function<void()> done) override;

 private:
  // A run with a checkpoint on disk.
  struct CheckpointedRun {
    std::string container_id;
    std::string sandbox;  // handed to the GC once the checkpoint is removed
  };

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
  // The user the task runs as (task_user.hpp); errors fail the launch.
  StatusOr<TaskUser> task_user(const RunTaskCall& call) const;
  void register_executor(const RpcConnectionPtr& connection, const RegisterExecutorCall& call,
                         RpcResponder responder);
  void executor_update(const RpcConnectionPtr& connection, TaskStatus status,
                       RpcResponder responder);
  // `exit` is unknown for a recovered executor (not our child).
  void executor_exited(const std::string& container_id, const std::optional<ExitStatus>& exit);
  void kill_task(const KillTaskCall& call, RpcResponder responder);
  // Asks the executor to kill its task; SIGKILLs both groups if it cannot.
  void kill_executor(ExecutorRecord& executor, int64_t grace_millis);
  void kill_for_good(ExecutorRecord& executor, const std::string& why);
  void kill_task_group(ExecutorRecord& executor);
  // Records the task's state and hands the update to the status update
  // manager; `stored` runs once it is kept.
  void forward_update(
      ExecutorRecord& executor, TaskStatus status,
      StatusUpdateManager::Stored stored = [](const Status&) {});
  void stream_done(const std::string& framework_id, const std::string& task_id);
  ExecutorRecord* find_executor(const std::string& framework_id, const std::string& task_id);
  TaskStatus make_status(const ExecutorRecord& executor, TaskState state, const std::string& reason,
                         const std::string& message) const;

  // executor_launch.cpp
  // Starts preparing the container; the executor is spawned once prepared.
  Status launch(const RunTaskCall& call);
  void prepared(const std::string& container_id, PrepareResult result);
  void isolated(const std::string& container_id, const Status& status);
  void fail_spawned_launch(ExecutorRecord& executor, const std::string& reason,
                           const std::string& message);
  void answer_registration(ExecutorRecord& executor);
  // Cleans the container up (hooks in reverse), then forgets the executor.
  void remove_executor(const std::string& container_id);
  std::vector<std::shared_ptr<ContainerHook>> container_hooks();

  // container_monitor.cpp
  // The task's terminal status: limits are checked first (a kernel OOM kill
  // looks like any SIGKILL), then it is forwarded.
  void end_task(
      ExecutorRecord& executor, TaskStatus status,
      StatusUpdateManager::Stored stored = [](const Status&) {});
  // After the limits were checked.
  void conclude(const std::string& container_id, TaskStatus status,
                StatusUpdateManager::Stored stored);
  // Forwards the task's end, as a limitation when the container went over one.
  void report_end(ExecutorRecord& executor, TaskStatus status, StatusUpdateManager::Stored stored);
  void on_limitation(const std::string& container_id, const ContainerLimitation& limitation);
  void fetch_progress(const std::string& container_id, const std::string& message);
  void measure_usage();  // every usage_interval: usage, polled limits, report to the master

  // agent_recovery.cpp
  Status recover();
  // The isolators take back the containers of the runs whose executor is
  // still alive (and destroy everything else of theirs); prepares wait for it.
  static bool executor_alive(const RecoveredRun& run);
  void recover_containers(const std::vector<RecoveredRun>& running);
  void recover_run(const RecoveredRun& run, bool rebooted, bool alive);
  void end_lost_run(const RecoveredRun& run, bool rebooted);
  void end_run(const ExecutorCheckpoint& checkpoint, TaskState state, const std::string& reason,
               const std::string& message);
  // The agent checkpoint once the master gave (or confirmed) the agent's id.
  void checkpoint_agent();
  // `written` runs once the executor's checkpoint is on disk.
  void checkpoint_executor(
      const ExecutorRecord& executor,
      std::function<void(const Status&)> written = [](const Status&) {});
  // Removes a run's checkpoint once its executor is gone and its task's
  // terminal update was acknowledged; its sandbox then goes to the GC.
  void forget_run_if_done(const std::string& task_key);

  boost::asio::io_context& io_;
  AgentOptions options_;
  Resources resources_;
  Attributes attributes_;
  std::unique_ptr<RpcServer> server_;
  std::string executor_address_;                             // where executors reach this agent
  std::map<std::string, std::string> executor_environment_;  // --executor-environment
  ChildWatcher watcher_;
  CheckpointWriter writer_;  // before updates_: its callbacks go there
  StatusUpdateManager updates_;
  MasterLink link_;
  std::shared_ptr<Isolation> isolation_;  // set up by container_hooks()
  std::shared_ptr<FetcherHook> fetcher_;
  ContainerLauncher launcher_;
  FileServer files_;
  SandboxGc gc_;
  Timer usage_timer_;
  // By container id.
  std::map<std::string, std::unique_ptr<ExecutorRecord>> executors_;
  // Tasks whose terminal update was not acknowledged yet, by agent_task_key().
  std::map<std::string, AgentTask> live_tasks_;
  // Runs with a checkpoint on disk, by agent_task_key().
  std::map<std::string, CheckpointedRun> checkpointed_runs_;
  std::string checkpointed_agent_id_;

  bool shutting_down_ = false;
  bool shutdown_finished_ = false;
  std::function<void()> shutdown_done_;
  Timer shutdown_timer_;
};

// "FRAMEWORK_ID/TASK_ID"
std::string agent_task_key(const std::string& framework_id, const std::string& task_id);

}  // namespace clusterctl
