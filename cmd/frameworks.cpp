// clusterctl frameworks: the frameworks the master knows, active,
// disconnected (in failover) or completed; `clusterctl frameworks teardown ID`
// ends one by hand.
#include <iostream>
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/flags.hpp"
#include "cmd/listing.hpp"
#include "core/views.hpp"

namespace clusterctl::cmd {

namespace {

Table frameworks_table(const FrameworksReply& reply) {
  Table table({"id", "name", "roles", "state", "tasks"});
  for (const FrameworkView& framework : reply.frameworks) {
    table.add_row({framework.id, framework.name, join_or_dash(framework.roles, ","),
                   framework.state, std::to_string(framework.tasks)});
  }
  return table;
}

}  // namespace

void setup_frameworks(CLI::App& app) {
  auto options = std::make_shared<FrameworksOptions>();
  add_list_flags(app, *options, "frameworks");
  auto teardown = std::make_shared<TeardownOptions>();
  CLI::App* action = add_action<TeardownOptions>(
      app, "teardown", "Tear down a framework: kill its tasks and refuse its scheduler", teardown,
      [](TeardownOptions&) {}, &run_teardown);
  action
      ->add_option("ID", teardown->framework_id, "The framework's id (see 'clusterctl frameworks')")
      ->required();
  action->footer(
      "Kills the framework's tasks, rescinds its offers and refuses its scheduler from then on.");
  app.require_subcommand(0, 1);
  // Runs after the subcommand's own callback: list only without one.
  CLI::App* self = &app;
  app.callback([options, self] {
    if (self->got_subcommand("teardown")) return;
    int code = run_frameworks(*options);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

int run_frameworks(const FrameworksOptions& options) {
  return run_listing<FrameworksReply>("frameworks", "state.frameworks", options, frameworks_table);
}

int run_teardown(const TeardownOptions& options) {
  StatusOr<RpcValue> reply =
      call_master("frameworks", "framework.teardown",
                  pack_payload(FrameworkCall{options.framework_id}), options);
  if (!reply) return 1;
  std::cout << "framework " << options.framework_id << " torn down\n";
  return 0;
}

}  // namespace clusterctl::cmd
