// clusterctl agents: the agents, their state and resources (used/total).
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/flags.hpp"
#include "cmd/listing.hpp"
#include "core/views.hpp"

namespace clusterctl::cmd {

namespace {

std::string used_of_total(const AgentResourcesView& resources, const std::string& name) {
  return format_number(resources.used.scalar(name)) + "/" +
         format_number(resources.total.scalar(name));
}

Table agents_table(const AgentsReply& reply) {
  Table table({"id", "hostname", "address", "state", "cpus", "mem", "tasks"});
  for (const AgentView& agent : reply.agents) {
    table.add_row({agent.id, agent.hostname, agent.address, agent.state,
                   used_of_total(agent.resources, "cpus"), used_of_total(agent.resources, "mem"),
                   std::to_string(agent.tasks)});
  }
  return table;
}

}  // namespace

void setup_agents(CLI::App& app) {
  auto options = std::make_shared<AgentsOptions>();
  add_list_flags(app, *options, "agents");
  set_run(app, options, &run_agents);
}

int run_agents(const AgentsOptions& options) {
  return run_listing<AgentsReply>("agents", "state.agents", options, agents_table);
}

}  // namespace clusterctl::cmd
