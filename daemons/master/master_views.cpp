// Read-only views of the master's state: the state.* methods and /state.
#include <algorithm>

#include "core/json.hpp"
#include "core/timer.hpp"
#include "daemons/master/master_impl.hpp"

namespace clusterctl {

namespace {
TaskView task_view(const TaskRecord& task) {
  TaskView view;
  view.id = task.info.task_id;
  view.name = task.info.name;
  view.framework_id = task.framework_id;
  view.agent_id = task.info.agent_id;
  view.executor_id = task.executor_id;
  view.state = task.state;
  view.reason = task.last_status.reason;
  view.message = task.last_status.message;
  view.exit_code = task.last_status.exit_code;
  view.role = task.info.role;
  view.resources = task.info.resources;
  view.started_at = task.started_at;
  view.updated_at = task.updated_at;
  view.usage = task.usage;
  view.healthy = task.last_status.healthy;
  return view;
}
}  // namespace

// Live tasks first (by start time), then completed ones, oldest first; only
// those `viewer` may see (view_tasks, by the user each task runs as).
TasksReply MasterImpl::tasks_view(const std::string& viewer) const {
  auto visible = [this, &viewer](const TaskRecord& task) {
    auto framework = state_.frameworks.find(task.framework_id);
    FrameworkInfo none;
    const FrameworkInfo& info =
        framework != state_.frameworks.end() ? framework->second.info : none;
    return authorization_.may_view_task(viewer, task_user(info, task.info));
  };
  TasksReply reply;
  for (const auto& [key, task] : state_.tasks) {
    if (visible(task)) reply.tasks.push_back(task_view(task));
  }
  std::stable_sort(
      reply.tasks.begin(), reply.tasks.end(),
      [](const TaskView& a, const TaskView& b) { return a.started_at < b.started_at; });
  for (const TaskRecord& task : state_.completed_tasks) {
    if (visible(task)) reply.tasks.push_back(task_view(task));
  }
  return reply;
}

AgentsReply MasterImpl::agents_view() const {
  AgentsReply reply;
  for (const auto& [id, agent] : state_.agents) {
    AgentView view;
    view.id = id;
    view.hostname = agent.info.hostname;
    view.address = agent.info.address;
    view.state = agent_state_name(agent.state);
    view.resources.total = agent_total(agent);
    for (const std::string& key : agent.task_keys) {
      view.resources.used += state_.tasks.at(key).info.resources;
    }
    for (const std::string& offer_id : agent.offer_ids) {
      view.resources.offered += state_.offers.at(offer_id).offer.resources;
    }
    view.attributes = agent.info.attributes;
    view.tasks = static_cast<uint32_t>(agent.task_keys.size());
    view.registered_at = agent.registered_at;
    view.unreachable_since = agent.unreachable_since;
    reply.agents.push_back(std::move(view));
  }
  return reply;
}

// Only the frameworks `viewer` may see (view_frameworks, by their user).
FrameworksReply MasterImpl::frameworks_view(const std::string& viewer) const {
  FrameworksReply reply;
  for (const auto& [id, framework] : state_.frameworks) {
    if (!authorization_.may_view_framework(viewer, framework.info)) continue;
    FrameworkView view;
    view.id = id;
    view.name = framework.info.name;
    view.roles = framework.info.roles;
    view.state = framework.completed ? "completed" : framework.active ? "active" : "disconnected";
    view.failover_timeout = framework.info.failover_timeout;
    view.checkpoint = framework.info.checkpoint;
    for (const std::string& key : framework.task_keys) {
      view.used += state_.tasks.at(key).info.resources;
    }
    for (const std::string& offer_id : framework.offer_ids) {
      view.offered += state_.offers.at(offer_id).offer.resources;
    }
    view.tasks = static_cast<uint32_t>(framework.task_keys.size());
    view.registered_at = framework.registered_at;
    reply.frameworks.push_back(std::move(view));
  }
  return reply;
}

OffersReply MasterImpl::offers_view() const {
  OffersReply reply;
  int64_t now = monotonic_millis();
  for (const auto& [id, record] : state_.offers) {
    OfferView view;
    view.id = id;
    view.framework_id = record.offer.framework_id;
    view.agent_id = record.offer.agent_id;
    view.hostname = record.offer.hostname;
    view.role = record.offer.role;
    view.resources = record.offer.resources;
    view.age_seconds = static_cast<double>(now - record.created_millis) / 1000.0;
    reply.offers.push_back(std::move(view));
  }
  return reply;
}

// {"address", "version", "started_at", "allocator", "agents", "frameworks",
//  "tasks", "offers", "allocation", "authorization", "allocator_state"}
std::string MasterImpl::state_json(const std::string& viewer) const {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  packer.pack_map(11);
  packer.pack(std::string("address"));
  packer.pack(address());
  packer.pack(std::string("version"));
  packer.pack(std::string(CLUSTERCTL_VERSION));
  packer.pack(std::string("started_at"));
  packer.pack(started_at_);
  packer.pack(std::string("allocator"));
  packer.pack(allocator_->describe_plugin());
  packer.pack(std::string("agents"));
  packer.pack(agents_view().agents);
  packer.pack(std::string("frameworks"));
  packer.pack(frameworks_view(viewer).frameworks);
  packer.pack(std::string("tasks"));
  packer.pack(tasks_view(viewer).tasks);
  packer.pack(std::string("offers"));
  packer.pack(offers_view().offers);
  packer.pack(std::string("allocation"));
  packer.pack(metrics_.view());
  packer.pack(std::string("authorization"));
  packer.pack(authorization_.view());
  packer.pack(std::string("allocator_state"));
  auto allocator_state = allocator_->state();
  if (allocator_state.is_ok() && !allocator_state->empty()) {
    buffer.write(allocator_state->data(), allocator_state->size());
  } else {
    packer.pack_nil();
  }
  msgpack::object_handle handle = msgpack::unpack(buffer.data(), buffer.size());
  return to_json(handle.get(), true);
}

}  // namespace clusterctl
