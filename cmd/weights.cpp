// clusterctl weights set|get: role weights, which scale the roles' fair
// shares; kept in the master's registry.
#include <iostream>
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/flags.hpp"
#include "cmd/listing.hpp"
#include "core/allocation_messages.hpp"
#include "core/role_weights.hpp"

namespace clusterctl::cmd {

namespace {

Table weights_table(const WeightsReply& reply) {
  Table table({"role", "weight"});
  for (const WeightView& weight : reply.weights) {
    table.add_row({weight.role, format_number(weight.weight)});
  }
  return table;
}

// Whether `weights ACTION` sets weights.
std::function<void(WeightsOptions&)> setting(bool set) {
  return [set](WeightsOptions& options) { options.set = set; };
}

}  // namespace

void setup_weights(CLI::App& app) {
  auto options = std::make_shared<WeightsOptions>();
  app.require_subcommand(1);
  CLI::App* set = add_action(app, "set", "Set role weights, e.g. analytics=3,batch=1", options,
                             setting(true), &run_weights);
  set->add_option("weights", options->weights,
                  "ROLE=WEIGHT pairs, comma-separated or one per argument")
      ->type_name("ROLE=WEIGHT")
      ->required()
      ->check(make_validator([](const std::string& text) { return parse_weights(text).status(); }));
  CLI::App* get = add_action(app, "get", "Show the role weights (roles not listed weigh 1)",
                             options, setting(false), &run_weights);
  get->add_flag("--json", options->json,
                "Print JSON ({\"weights\": [...]}, stable field names), not a table");
}

int run_weights(const WeightsOptions& options) {
  if (!options.set) {
    return run_listing<WeightsReply>("weights", "weights.get", options, weights_table);
  }
  WeightsSetCall call;
  for (const std::string& text : options.weights) {
    std::map<std::string, double> parsed = *parse_weights(text);
    for (const auto& [role, weight] : parsed) call.weights[role] = weight;
  }
  auto reply = call_master("weights", "weights.set", pack_payload(call), options);
  if (!reply) return 1;
  for (const auto& [role, weight] : call.weights) {
    std::cout << "weight of " << role << " set to " << format_number(weight) << "\n";
  }
  return 0;
}

}  // namespace clusterctl::cmd
