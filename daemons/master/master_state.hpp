// The master's in-memory records of agents, frameworks, tasks and offers.
// Owned by MasterImpl and touched only on its event loop thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "core/messages.hpp"
#include "core/rpc/rpc.hpp"
#include "core/task_state.hpp"
#include "core/task_usage.hpp"

namespace clusterctl {

enum class AgentState { kActive, kDisconnected, kUnreachable };
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
};

struct FrameworkRecord {
  FrameworkInfo info;
  RpcConnectionPtr connection;
  bool active = true;
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
  std::map<std::string, OfferRecord> offers;
  // Which agent or framework each connection belongs to (by connection id).
  std::map<uint64_t, std::string> agent_of_connection;
  std::map<uint64_t, std::string> framework_of_connection;
};

}  // namespace clusterctl
