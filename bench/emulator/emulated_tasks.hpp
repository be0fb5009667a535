// EmulatedTasks: the tasks of one emulated agent and their status updates.
//
// A task given by agent.run_task runs nothing: its updates are made at once,
// STARTING, RUNNING and FINISHED (or RUNNING alone, and the task runs until
// agent.kill_task, which makes it KILLED). They are delivered like a real
// agent's (daemons/agent/status_update_manager.hpp): each task has a stream
// that sends its oldest unacknowledged update as agent.status_update and the
// next only once agent.acknowledge names it; an unacknowledged update is sent
// again after 1 s doubling to 30 s, and at once after every
// (re-)registration. A task is forgotten once its terminal update is
// acknowledged; until then live() reports it (for re-registration) with its
// latest state.
//
// Threading: one io_context thread; callbacks run there.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/emulator/fleet.hpp"
#include "core/messages.hpp"
#include "core/rpc/rpc.hpp"
#include "core/timer.hpp"

namespace clusterctl::emulator {

class EmulatedTasks {
 public:
  // A call on the connection `connection_id` was refused with not_leader:
  // the agent must find the leader.
  using OnNotLeader = std::function<void(uint64_t connection_id, const Status&)>;

  EmulatedTasks(boost::asio::io_context& io, Fleet& fleet, bool finish, OnNotLeader on_not_leader);
  ~EmulatedTasks();

  // agent.run_task; a task the agent already has is not run again.
  void run(const std::string& agent_id, const RunTaskCall& call);
  // agent.kill_task: not_found for a task the agent does not have.
  Status kill(const KillTaskCall& call);
  // agent.acknowledge.
  void acknowledge(const AcknowledgeCall& call);

  // Starts sending on `master` (the connection the agent registered on):
  // every stream's oldest update goes out now.
  void resume(RpcConnectionPtr master);
  void pause();

  std::vector<AgentTask> live() const;

 private:
  struct Task {
    std::string framework_id;
    std::string executor_id;
    TaskInfo info;
    TaskState state = TaskState::kStaging;  // the latest update's
    std::deque<TaskStatus> pending;         // unacknowledged, oldest first
    Duration backoff{0};
    std::unique_ptr<Timer> retry;
  };

  void add_update(const std::string& key, Task& task, TaskState state, const std::string& reason);
  void send(const std::string& key, Task& task);

  boost::asio::io_context& io_;
  Fleet& fleet_;
  bool finish_;
  OnNotLeader on_not_leader_;
  RpcConnectionPtr master_;
  std::map<std::string, Task> tasks_;  // by "FRAMEWORK_ID/TASK_ID"
};

}  // namespace clusterctl::emulator
