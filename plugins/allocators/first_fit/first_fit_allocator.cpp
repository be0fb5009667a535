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

#include "clusterctl/allocator.h"
#include "core/allocator_events.hpp"
#include "plugins/allocators/abi_guard.hpp"

namespace clusterctl {
namespace {

// Below this much cpus and mem together, leftovers are not worth offering.
constexpr int64_t kMinCpusMillis = 10;
constexpr int64_t kMinMemMillis = 32 * 1000;

struct AgentEntry {
  Resources total;
  Resources allocated;
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

class FirstFitAllocator {
 public:
  void handle(const AllocatorEvent& event);
  std::vector<Allocation> allocate(int64_t now_millis);
  size_t agent_count() const { return agents_.size(); }
  size_t framework_count() const { return frameworks_.size(); }

 private:
  FrameworkEntry* find_framework(const std::string& id);
  bool worth_offering(const Resources& resources) const;

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

void FirstFitAllocator::handle(const AllocatorEvent& event) {
  if (event.type == "add_agent" || event.type == "update_agent") {
    if (agents_.count(event.agent_id) == 0) agent_order_.push_back(event.agent_id);
    AgentEntry& agent = agents_[event.agent_id];
    agent.total = event.total;
    agent.allocated = Resources();
    for (const auto& allocation : event.allocated) agent.allocated += allocation.resources;
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
    std::erase_if(frameworks_, [&](const FrameworkEntry& f) { return f.id == event.framework_id; });
  } else if (event.type == "recover") {
    auto agent = agents_.find(event.agent_id);
    if (agent != agents_.end()) agent->second.allocated -= event.resources;
    FrameworkEntry* framework = find_framework(event.framework_id);
    if (framework != nullptr && event.refuse_millis > 0) {
      framework->refusals[event.agent_id] = {event.now_millis + event.refuse_millis,
                                             event.resources};
    }
  } else if (event.type == "suppress" || event.type == "revive") {
    FrameworkEntry* framework = find_framework(event.framework_id);
    if (framework == nullptr) return;
    framework->suppressed = event.type == "suppress";
    if (!framework->suppressed) framework->refusals.clear();
  }
  // Unknown event types are ignored, as the ABI asks.
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
    Resources available = agent.total - agent.allocated;
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
      agent.allocated += offered;
      allocations.push_back({framework.id, agent_id, framework.role, offered});
      break;
    }
  }
  return allocations;
}

void* create(const char*, size_t, char* error, size_t error_size) {
  FirstFitAllocator* instance = nullptr;
  guarded(error, error_size, [&] { instance = new FirstFitAllocator(); });
  return instance;
}

void destroy(void* instance) {
  delete static_cast<FirstFitAllocator*>(instance);
}

int handle_event(void* instance, const char* bytes, size_t size, char* error, size_t error_size) {
  return guarded(error, error_size, [&] {
    AllocatorEvent event;
    msgpack::unpack(bytes, size).get().convert(event);
    static_cast<FirstFitAllocator*>(instance)->handle(event);
  });
}

int allocate(void* instance, int64_t now_millis, clusterctl_write_fn write, void* context,
             char* error, size_t error_size) {
  return guarded(error, error_size, [&] {
    auto allocations = static_cast<FirstFitAllocator*>(instance)->allocate(now_millis);
    msgpack::sbuffer buffer;
    msgpack::pack(buffer, allocations);
    write(context, buffer.data(), buffer.size());
  });
}

int describe(void* instance, clusterctl_write_fn write, void* context, char* error,
             size_t error_size) {
  return guarded(error, error_size, [&] {
    auto* allocator = static_cast<FirstFitAllocator*>(instance);
    std::map<std::string, uint64_t> state = {{"agents", allocator->agent_count()},
                                             {"frameworks", allocator->framework_count()}};
    msgpack::sbuffer buffer;
    msgpack::pack(buffer, state);
    write(context, buffer.data(), buffer.size());
  });
}

const clusterctl_allocator_functions kFunctions = {handle_event, allocate, describe};

const clusterctl_plugin_descriptor kDescriptor = {
    CLUSTERCTL_PLUGIN_ABI_VERSION,
    CLUSTERCTL_PLUGIN_ALLOCATOR,
    "first_fit",
    "1.0.0",
    "offers each agent's free resources to the next framework, round robin",
    create,
    destroy,
    &kFunctions,
};

}  // namespace
}  // namespace clusterctl

extern "C" CLUSTERCTL_PLUGIN_EXPORT const clusterctl_plugin_descriptor* clusterctl_plugin_entry() {
  return &clusterctl::kDescriptor;
}
