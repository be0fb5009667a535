// clusterctl roles: the role tree with each role's weight, quota, what its
// subtree holds, what is reserved for it and its frameworks.
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/flags.hpp"
#include "cmd/listing.hpp"
#include "core/allocation_messages.hpp"

namespace clusterctl::cmd {

namespace {

std::string or_dash(const std::optional<Resources>& resources) {
  return !resources || resources->empty() ? "-" : resources->to_string();
}

Table roles_table(const RolesReply& reply) {
  Table table(
      {"role", "weight", "share", "guarantee", "limit", "allocated", "reserved", "frameworks"});
  for (const RoleView& role : reply.roles) {
    table.add_row({role.role, format_number(role.weight), format_number(role.share),
                   or_dash(role.guarantee), or_dash(role.limit), or_dash(role.allocated),
                   or_dash(role.reserved), std::to_string(role.frameworks.size())});
  }
  return table;
}

}  // namespace

void setup_roles(CLI::App& app) {
  auto options = std::make_shared<RolesOptions>();
  add_list_flags(app, *options, "roles");
  set_run(app, options, &run_roles);
}

int run_roles(const RolesOptions& options) {
  return run_listing<RolesReply>("roles", "state.roles", options, roles_table);
}

}  // namespace clusterctl::cmd
