// clusterctl frameworks: the frameworks the master knows, active or completed.
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
  set_run(app, options, &run_frameworks);
}

int run_frameworks(const FrameworksOptions& options) {
  return run_listing<FrameworksReply>("frameworks", "state.frameworks", options, frameworks_table);
}

}  // namespace clusterctl::cmd
