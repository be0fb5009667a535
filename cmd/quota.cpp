// clusterctl quota set|get|remove: the quota of a role, a guarantee held
// back for it and a limit it never exceeds, kept in the master's registry.
#include <iostream>
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/flags.hpp"
#include "cmd/listing.hpp"
#include "core/allocation_messages.hpp"

namespace clusterctl::cmd {

namespace {

std::string or_dash(const Resources& resources) {
  return resources.empty() ? "-" : resources.to_string();
}

Table quotas_table(const QuotasReply& reply) {
  Table table({"role", "guarantee", "limit", "consumed"});
  for (const QuotaView& quota : reply.quotas) {
    table.add_row(
        {quota.role, or_dash(quota.guarantee), or_dash(quota.limit), or_dash(quota.consumed)});
  }
  return table;
}

// Quantities for a quota: the resources syntax, with no role.
CLI::Validator quantities_validator() {
  return make_validator([](const std::string& text) -> Status {
    auto resources = Resources::parse(text);
    if (!resources) return resources.status();
    for (const Resource& resource : resources->items()) {
      if (resource.role != "*") {
        return Status::invalid("'" + resource.to_string() +
                               "': a quota names quantities without a role, e.g. cpus:4;mem:4096");
      }
    }
    return Status::ok();
  });
}

// The action of `quota ACTION`.
std::function<void(QuotaOptions&)> action(QuotaOptions::Action action) {
  return [action](QuotaOptions& options) { options.action = action; };
}

}  // namespace

void setup_quota(CLI::App& app) {
  auto options = std::make_shared<QuotaOptions>();
  app.require_subcommand(1);
  CLI::App* set = add_action(app, "set", "Set the quota of a role (replacing its quota)", options,
                             action(QuotaOptions::Action::kSet), &run_quota);
  set->add_option("role", options->role, "The role, e.g. analytics or eng/ml")
      ->type_name("ROLE")
      ->required()
      ->check(role_validator());
  set->add_option("--guarantee", options->guarantee,
                  "Held back for the role's frameworks: 'cpus:4;mem:4096'")
      ->type_name("RESOURCES")
      ->check(quantities_validator());
  set->add_option("--limit", options->limit,
                  "Never exceeded by the role, offers included: 'cpus:8;mem:8192'")
      ->type_name("RESOURCES")
      ->check(quantities_validator());
  set->add_flag("--force", options->force,
                "Set it even if the cluster cannot meet the guarantees now");
  CLI::App* get = add_action(app, "get", "Show quotas: guarantee, limit and what is consumed",
                             options, action(QuotaOptions::Action::kGet), &run_quota);
  get->add_option("role", options->role, "Only this role's quota")
      ->type_name("ROLE")
      ->check(role_validator());
  get->add_flag("--json", options->json,
                "Print JSON ({\"quotas\": [...]}, stable field names), not a table");
  CLI::App* remove = add_action(app, "remove", "Remove the quota of a role", options,
                                action(QuotaOptions::Action::kRemove), &run_quota);
  remove->add_option("role", options->role, "The role")
      ->type_name("ROLE")
      ->required()
      ->check(role_validator());
}

int run_quota(const QuotaOptions& options) {
  switch (options.action) {
    case QuotaOptions::Action::kSet: {
      if (options.guarantee.empty() && options.limit.empty()) {
        print_error("quota", "give --guarantee, --limit or both");
        return 1;
      }
      QuotaSetCall call{options.role, *Resources::parse(options.guarantee),
                        *Resources::parse(options.limit), options.force};
      auto reply = call_master("quota", "quota.set", pack_payload(call), options);
      if (!reply) return 1;
      std::cout << "quota of " << options.role << " set: guarantee " << or_dash(call.guarantee)
                << ", limit " << or_dash(call.limit) << "\n";
      return 0;
    }
    case QuotaOptions::Action::kGet: {
      auto reply = call_master("quota", "quota.get", pack_payload(RoleCall{options.role}), options);
      if (!reply) return 1;
      auto quotas = reply->as<QuotasReply>("reply to quota.get");
      if (!quotas) {
        print_error("quota", quotas.status().message());
        return 1;
      }
      if (options.json) {
        print_json(*reply);
      } else {
        print_table(quotas_table(*quotas), "No quotas.");
      }
      return 0;
    }
    case QuotaOptions::Action::kRemove: {
      auto reply =
          call_master("quota", "quota.remove", pack_payload(RoleCall{options.role}), options);
      if (!reply) return 1;
      std::cout << "quota of " << options.role << " removed\n";
      return 0;
    }
  }
  return 1;
}

}  // namespace clusterctl::cmd
