// allocator_first_fit.so: the simplest allocator. Each cycle walks the agents
// in registration order and offers everything free on an agent to the next
// framework in round-robin order that has not refused that much there and is
// not suppressed. No fairness, quotas, weights or per-role suppression (those
// events are ignored), and a fixed minimum instead of min_allocatable: the DRF
// allocator does all that. It exists to prove the allocator plugin interface
// can carry a second implementation.
#include <map>
#include <string>
#include <vector>

#include "plugins/allocators/allocator_plugin.hpp"

namespace clusterctl {
namespace {

// Below this much cpus and mem together, leftovers are not worth offering.
constexpr int64_t kMinCpusMillis = 10;
constexpr int64_t kMinMemMillis = 32 * 1000;

struct AgentEntry {
  Resources total;
  std::map<std::string, Resources> held;  // by framework id: offers and tasks

  Resources allocated() const {
    Resources sum;
    for (const auto& [framework, resources] : held) sum += resources;
    return sum;
  }
};

// Declined resources are not offered again until `until`, unless more is free.
struct Refusal {
  int64_t until = 0;
  Resources declined;
};

struct FrameworkEntry {
  std::string id;
  std::string role = "*";
  bool suppressed = false;
  std::map<std::string, Refusal> refusals;  // by agent id
};

class FirstFitAllocator : public AllocatorPlugin {
 public:
  static StatusOr<std::unique_ptr<AllocatorPlugin>> create(const AllocatorConfig&) {
    return std::unique_ptr<AllocatorPlugin>(new FirstFitAllocator());
  }
  Status handle(const AllocatorEvent& event) override;
  Status allocate(int64_t now_millis, Packer& packer) override;
  Status describe(Packer& packer) override;

 private:
  FrameworkEntry* find_framework(const std::string& id);
  bool worth_offering(const Resources& resources) const;
  Status recover(const AllocatorEvent& event);
  std::vector<Allocation> allocate(int64_t now_millis);

  std::map<std::string, AgentEntry> agents_;
  std::vector<std::string> agent_order_;
  std::vector<FrameworkEntry> frameworks_;
  size_t next_framework_ = 0;
};

FrameworkEntry* FirstFitAllocator::find_framework(const std::string& id) {
  for (auto& framework : frameworks_) {
    if (framework.id == id) return &framework;
  }
  return nullptr;
}

Status FirstFitAllocator::handle(const AllocatorEvent& event) {
  if (event.type == "add_agent" || event.type == "update_agent") {
    if (agents_.count(event.agent_id) == 0) agent_order_.push_back(event.agent_id);
    AgentEntry& agent = agents_[event.agent_id];
    agent.total = event.total;
    agent.held.clear();
    for (const auto& allocation : event.allocated) {
      agent.held[allocation.framework_id] += allocation.resources;
    }
  } else if (event.type == "remove_agent") {
    agents_.erase(event.agent_id);
    std::erase(agent_order_, event.agent_id);
  } else if (event.type == "add_framework") {
    if (find_framework(event.framework_id) == nullptr) {
      FrameworkEntry entry;
      entry.id = event.framework_id;
      if (!event.roles.empty()) entry.role = event.roles.front();
      frameworks_.push_back(entry);
    }
  } else if (event.type == "remove_framework") {
    // What it holds stays held (in agents_) until recovered.
    std::erase_if(frameworks_, [&](const FrameworkEntry& f) { return f.id == event.framework_id; });
  } else if (event.type == "recover") {
    return recover(event);
  } else if (event.type == "suppress" || event.type == "revive") {
    FrameworkEntry* framework = find_framework(event.framework_id);
    if (framework == nullptr) return Status::ok();
    framework->suppressed = event.type == "suppress";
    if (!framework->suppressed) framework->refusals.clear();
  }
  // Unknown event types are ignored, as the ABI asks.
  return Status::ok();
}

// An agent it does not know, or a framework that holds nothing there, is an
// error that changes nothing (allocator.h).
Status FirstFitAllocator::recover(const AllocatorEvent& event) {
  auto refuse = [&](const std::string& why) {
    return Status::not_found("cannot take back " + event.resources.to_string() +
                             " from framework " + event.framework_id + " on agent " +
                             event.agent_id + ": " + why);
  };
  auto agent = agents_.find(event.agent_id);
  if (agent == agents_.end()) return refuse("the allocator does not know that agent");
  auto held = agent->second.held.find(event.framework_id);
  if (held == agent->second.held.end()) return refuse("the framework holds nothing there");
  held->second -= event.resources;  // never more than it holds
  if (held->second.empty()) agent->second.held.erase(held);
  FrameworkEntry* framework = find_framework(event.framework_id);
  if (framework != nullptr && event.refuse_millis > 0) {
    framework->refusals[event.agent_id] = {event.now_millis + event.refuse_millis, event.resources};
  }
  return Status::ok();
}

bool FirstFitAllocator::worth_offering(const Resources& resources) const {
  int64_t cpus = static_cast<int64_t>(resources.scalar("cpus") * 1000 + 0.5);
  int64_t mem = static_cast<int64_t>(resources.scalar("mem") * 1000 + 0.5);
  return cpus >= kMinCpusMillis || mem >= kMinMemMillis;
}

std::vector<Allocation> FirstFitAllocator::allocate(int64_t now_millis) {
  std::vector<Allocation> allocations;
  if (frameworks_.empty()) return allocations;
  for (const std::string& agent_id : agent_order_) {
    AgentEntry& agent = agents_[agent_id];
    Resources available = agent.total - agent.allocated();
    for (size_t tried = 0; tried < frameworks_.size(); ++tried) {
      FrameworkEntry& framework = frameworks_[next_framework_ % frameworks_.size()];
      next_framework_ = (next_framework_ + 1) % frameworks_.size();
      if (framework.suppressed) continue;
      Resources offered = available.allocatable_to(framework.role);
      if (!worth_offering(offered)) continue;
      auto refused = framework.refusals.find(agent_id);
      if (refused != framework.refusals.end() && refused->second.until > now_millis &&
          refused->second.declined.contains(offered)) {
        continue;
      }
      agent.held[framework.id] += offered;
      allocations.push_back({framework.id, agent_id, framework.role, offered});
      break;
    }
  }
  return allocations;
}

Status FirstFitAllocator::allocate(int64_t now_millis, Packer& packer) {
  packer.pack(allocate(now_millis));
  return Status::ok();
}

Status FirstFitAllocator::describe(Packer& packer) {
  std::map<std::string, uint64_t> state = {{"agents", agents_.size()},
                                           {"frameworks", frameworks_.size()}};
  packer.pack(state);
  return Status::ok();
}

}  // namespace
}  // namespace clusterctl

CLUSTERCTL_ALLOCATOR_PLUGIN(clusterctl::FirstFitAllocator, "first_fit", "1.0.0",
                            "offers each agent's free resources to the next framework, round robin")
