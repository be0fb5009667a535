// What the master reports about its state: the results of the read-only
// "state.*" methods, the /state HTTP endpoint, and every `--json` listing.
// Field names are stable (scripts depend on them); fields may be added.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "core/messages.hpp"
#include "core/task_usage.hpp"

namespace clusterctl {

struct TaskView {
  std::string id;
  std::string name;
  std::string framework_id;
  std::string agent_id;
  std::string executor_id;
  TaskState state = TaskState::kStaging;
  std::string reason;
  std::string message;
  std::optional<int32_t> exit_code;
  std::string role;
  Resources resources;
  double started_at = 0;  // seconds since the epoch
  double updated_at = 0;
  std::optional<TaskUsage> usage;  // the latest agent.usage report, if any
  std::optional<bool> healthy;     // the latest health check result, if the task has one
  MSGPACK_DEFINE_MAP(id, name, framework_id, agent_id, executor_id, state, reason, message,
                     exit_code, role, resources, started_at, updated_at, usage, healthy);
};

struct AgentResourcesView {
  Resources total;
  Resources used;  // by running tasks
  Resources offered;
  MSGPACK_DEFINE_MAP(total, used, offered);
};

struct AgentView {
  std::string id;
  std::string hostname;
  std::string address;
  // "active", "disconnected", "unreachable", or "recovering" (known from the
  // registry after a master restart, not re-registered yet)
  std::string state;
  AgentResourcesView resources;
  Attributes attributes;
  uint32_t tasks = 0;  // live tasks
  double registered_at = 0;
  double unreachable_since = 0;  // wall seconds; 0 unless unreachable
  MSGPACK_DEFINE_MAP(id, hostname, address, state, resources, attributes, tasks, registered_at,
                     unreachable_since);
};

struct FrameworkView {
  std::string id;
  std::string name;
  std::vector<std::string> roles;
  // "active", "disconnected" (its scheduler is away; it is kept for its
  // failover timeout) or "completed" (torn down)
  std::string state;
  Resources used;
  Resources offered;
  uint32_t tasks = 0;  // live tasks
  double registered_at = 0;
  double failover_timeout = 0;  // seconds
  bool checkpoint = false;
  MSGPACK_DEFINE_MAP(id, name, roles, state, used, offered, tasks, registered_at, failover_timeout,
                     checkpoint);
};

struct OfferView {
  std::string id;
  std::string framework_id;
  std::string agent_id;
  std::string hostname;
  std::string role;
  Resources resources;
  double age_seconds = 0;
  MSGPACK_DEFINE_MAP(id, framework_id, agent_id, hostname, role, resources, age_seconds);
};

struct TasksReply {
  std::vector<TaskView> tasks;
  MSGPACK_DEFINE_MAP(tasks);
};
struct AgentsReply {
  std::vector<AgentView> agents;
  MSGPACK_DEFINE_MAP(agents);
};
struct FrameworksReply {
  std::vector<FrameworkView> frameworks;
  MSGPACK_DEFINE_MAP(frameworks);
};
struct OffersReply {
  std::vector<OfferView> offers;
  MSGPACK_DEFINE_MAP(offers);
};

}  // namespace clusterctl
