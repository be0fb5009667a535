// clusterctl reserve / unreserve AGENT RESOURCES: dynamic reservations made by
// an operator, kept in the master's registry ('cpus(analytics):1' reserves one
// of the agent's unreserved cpus for analytics and its sub-roles).
#include <iostream>
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/flags.hpp"
#include "cmd/listing.hpp"
#include "core/allocation_messages.hpp"

namespace clusterctl::cmd {

namespace {

Status check_reserved_resources(const std::string& text) {
  auto resources = Resources::parse(text);
  if (!resources) return resources.status();
  if (resources->empty()) return Status::invalid("no resources given, e.g. cpus(analytics):1");
  for (const Resource& resource : resources->items()) {
    if (resource.role == "*") {
      return Status::invalid("'" + resource.to_string() + "' names no role; write e.g. " +
                             resource.name + "(analytics)");
    }
  }
  return Status::ok();
}

void setup(CLI::App& app, bool unreserve) {
  auto options = std::make_shared<ReserveOptions>();
  options->unreserve = unreserve;
  add_client_flags(app, *options);
  app.add_option("agent", options->agent_id, "The agent's id (see 'clusterctl agents')")
      ->type_name("AGENT")
      ->required();
  app.add_option("resources", options->resources,
                 unreserve
                     ? "What to give back, with its role: 'cpus(analytics):1'"
                     : "What to reserve, for which role: 'cpus(analytics):1;mem(analytics):512'")
      ->type_name("RESOURCES")
      ->required()
      ->check(make_validator(check_reserved_resources));
  set_run(app, options, &run_reserve);
}

}  // namespace

void setup_reserve(CLI::App& app) {
  setup(app, false);
}
void setup_unreserve(CLI::App& app) {
  setup(app, true);
}

int run_reserve(const ReserveOptions& options) {
  const char* command = options.unreserve ? "unreserve" : "reserve";
  ReserveCall call{options.agent_id, *Resources::parse(options.resources)};
  auto reply = call_master(command, options.unreserve ? "operator.unreserve" : "operator.reserve",
                           pack_payload(call), options);
  if (!reply) return 1;
  std::cout << (options.unreserve ? "unreserved " : "reserved ") << call.resources.to_string()
            << " on agent " << options.agent_id << "\n";
  return 0;
}

}  // namespace clusterctl::cmd
