// The master's in-memory records of agents, frameworks, tasks and offers.
// Owned by MasterImpl and touched only on its event loop thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "core/messages.hpp"
#include "core/rpc/rpc.hpp"
#include "core/task_state.hpp"
#include "core/task_usage.hpp"

namespace clusterctl {

// kRecovering: known from the registry after a master restart, not
// re-registered yet (it has until --agent-reregister-timeout).
enum class AgentState { kActive, kDisconnected, kUnreachable, kRecovering };
const char* agent_state_name(AgentState state);

struct AgentRecord {
  AgentInfo info;
  AgentState state = AgentState::kActive;
  RpcConnectionPtr connection;
  int missed_pings = 0;
  bool ping_in_flight = false;
  double registered_at = 0;
  std::set<std::string> task_keys;  // live tasks on this agent
  std::set<std::string> offer_ids;
  bool in_allocator = false;       // added to the allocator (and not removed since)
  bool removal_scheduled = false;  // waiting for the agent removal rate limiter
  double unreachable_since = 0;    // wall seconds; 0 unless unreachable
};

struct FrameworkRecord {
  FrameworkInfo info;
  RpcConnectionPtr connection;
  bool active = true;
  bool completed = false;  // torn down: it cannot subscribe again
  double registered_at = 0;
  std::set<std::string> task_keys;  // live tasks of this framework
  std::set<std::string> offer_ids;
};

struct TaskRecord {
  TaskInfo info;
  std::string framework_id;
  std::string executor_id;
  TaskState state = TaskState::kStaging;
  TaskStatus last_status;
  double started_at = 0;
  double updated_at = 0;
  std::optional<TaskUsage> usage;  // from the agent's agent.usage reports
  uint64_t update_stream = 0;      // its stream in the UpdateRelay (master_updates.cpp)
};

struct OfferRecord {
  Offer offer;
  int64_t created_millis = 0;
};

// Tasks are named by framework and task id together: task ids are unique
// within a framework only.
inline std::string task_key(const std::string& framework_id, const std::string& task_id) {
  return framework_id + "/" + task_id;
}

struct MasterState {
  std::map<std::string, AgentRecord> agents;
  std::map<std::string, FrameworkRecord> frameworks;
  std::map<std::string, TaskRecord> tasks;  // live, by task_key
  std::deque<TaskRecord> completed_tasks;   // newest last, bounded
  // The newest completed record of each task_key (pointers into
  // completed_tasks, which only grows at the back and shrinks at the front).
  std::unordered_map<std::string, TaskRecord*> completed_by_key;
  std::map<std::string, OfferRecord> offers;
  // Which agent or framework each connection belongs to (by connection id).
  std::map<uint64_t, std::string> agent_of_connection;
  std::map<uint64_t, std::string> framework_of_connection;
  // Reconciliation questions waiting for agents that recover after a master
  // restart (master_reconciliation.cpp): by the agent id asked with them (""
  // when none was), the (framework id, task id) asked about.
  std::map<std::string, std::set<std::pair<std::string, std::string>>> deferred_reconciliation;
  size_t deferred_questions = 0;  // over all of deferred_reconciliation
};

}  // namespace clusterctl
