// Garbage collection of unreachable agents, like Mesos's registry GC: without
// it every agent that ever went away would stay in memory, in `clusterctl
// agents` and in the registry for good.
//
// Every --registry-gc-interval the master forgets the agents unreachable for
// longer than --registry-max-agent-age and, oldest first, those beyond
// --registry-max-agent-count unreachable agents. Forgetting drops the agent,
// its dynamic reservations and its tasks (UNREACHABLE ones of partition-aware
// frameworks; other frameworks were told LOST already) without a status
// update; reconciling such a task answers UNKNOWN (LOST for frameworks that
// are not partition-aware). A forgotten agent that comes back is admitted
// again under its id, like any agent after a master restart, and the master
// learns what it still runs.
//
// Memory first, then the registry: an agent re-registering while the store is
// in flight is stored after it, and a store that fails leaves the agents
// unreachable in the registry, so that a restarted master forgets them again.
#include <cmath>

#include "core/duration.hpp"
#include "core/log.hpp"
#include "daemons/master/agent_gc_policy.hpp"
#include "daemons/master/master_impl.hpp"

namespace clusterctl {

void MasterImpl::arm_agent_gc_timer() {
  agent_gc_timer_.start(options_.registry_gc_interval, [this] {
    forget_unreachable_agents(wall_seconds());
    arm_agent_gc_timer();
  });
}

std::vector<std::string> MasterImpl::unreachable_agents_to_forget(double now) const {
  std::vector<UnreachableAgent> unreachable;
  for (const auto& [id, agent] : state_.agents) {
    if (agent.state == AgentState::kUnreachable)
      unreachable.push_back({id, agent.unreachable_since});
  }
  return agents_to_forget(std::move(unreachable), now, options_.registry_max_agent_age,
                          options_.registry_max_agent_count);
}

void MasterImpl::forget_unreachable_agents(double now) {
  std::vector<std::string> forget = unreachable_agents_to_forget(now);
  if (forget.empty()) return;
  for (const std::string& id : forget) forget_agent(id, now);
  registry_->update(
      [forget](RegistryState& state) {
        for (const std::string& id : forget) {
          // Stored as reachable again since: it came back, keep it.
          if (state.unreachable.count(id) == 0) continue;
          state.unreachable.erase(id);
          state.agents.erase(id);
          state.reservations.erase(id);
        }
        return Status::ok();
      },
      [count = forget.size()](Status stored) {
        if (!stored) {
          LOG(kError) << "cannot remove " << count
                      << " forgotten agents from the registry (a restarted master forgets them "
                         "again): "
                      << stored.message();
        }
      });
}

void MasterImpl::forget_agent(const std::string& agent_id, double now) {
  AgentRecord& agent = state_.agents.at(agent_id);
  Duration unreachable_for(std::llround(now - agent.unreachable_since) * 1000);
  LOG(kInfo) << "forgetting agent " << agent_id << " (" << agent.info.hostname
             << "): unreachable for " << format_duration(unreachable_for)
             << " (--registry-max-agent-age " << format_duration(options_.registry_max_agent_age)
             << ", --registry-max-agent-count " << options_.registry_max_agent_count << "), with "
             << agent.task_keys.size() << " tasks";
  std::vector<std::string> keys(agent.task_keys.begin(), agent.task_keys.end());
  for (const std::string& key : keys) forget_updates(unlink_task(key));
  reservations_.erase(agent_id);
  state_.agents.erase(agent_id);
}

}  // namespace clusterctl
