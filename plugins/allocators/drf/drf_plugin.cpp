// allocator_drf.so: the DRF allocator (drf_allocator.hpp) behind the plugin
// ABI of include/clusterctl/allocator.h, through the shared C glue of
// allocator_plugin.hpp. A cycle's grants are packed straight from the
// allocator's compact form.
#include "plugins/allocators/allocator_plugin.hpp"
#include "plugins/allocators/drf/drf_allocator.hpp"

namespace clusterctl::drf {
namespace {

using Packer = AllocatorPlugin::Packer;

Status check_roles(const std::vector<std::string>& roles) {
  for (const std::string& role : roles) CLUSTERCTL_RETURN_IF_ERROR(validate_role(role));
  return Status::ok();
}

Status handle(DrfAllocator& allocator, const AllocatorEvent& event) {
  const std::string& type = event.type;
  std::string role = event.role.empty() ? "*" : event.role;
  CLUSTERCTL_RETURN_IF_ERROR(check_roles(event.roles));
  CLUSTERCTL_RETURN_IF_ERROR(check_roles(event.suppressed_roles));
  CLUSTERCTL_RETURN_IF_ERROR(check_roles({role}));
  std::vector<HeldResources> held;
  for (const FrameworkAllocation& entry : event.allocated) {
    CLUSTERCTL_RETURN_IF_ERROR(check_roles({entry.role}));
    held.push_back({entry.framework_id, entry.role, entry.resources});
  }
  if (type == "add_agent") {
    allocator.add_agent(event.agent_id, event.total, held);
  } else if (type == "update_agent") {
    allocator.update_agent(event.agent_id, event.total, held);
  } else if (type == "remove_agent") {
    allocator.remove_agent(event.agent_id);
  } else if (type == "add_framework") {
    std::vector<std::string> roles =
        event.roles.empty() ? std::vector<std::string>{"*"} : event.roles;
    allocator.add_framework(event.framework_id, roles, event.suppressed_roles);
  } else if (type == "remove_framework") {
    allocator.remove_framework(event.framework_id);
  } else if (type == "recover") {
    return allocator.recover(event.framework_id, event.agent_id, role, event.resources,
                             event.refuse_millis, event.now_millis);
  } else if (type == "suppress") {
    allocator.suppress(event.framework_id, event.roles);
  } else if (type == "revive") {
    allocator.revive(event.framework_id, event.roles);
  } else if (type == "set_quota") {
    allocator.set_quota(role, event.guarantee, event.limit);
  } else if (type == "remove_quota") {
    allocator.remove_quota(role);
  } else if (type == "set_weight") {
    if (!(event.weight > 0)) return Status::invalid("a weight must be positive");
    allocator.set_weight(role, event.weight);
  }
  // Unknown event types are ignored, as the ABI asks.
  return Status::ok();
}

void pack_bundle(Packer& packer, const DrfAllocator& allocator, const Bundle& bundle) {
  auto others = bundle.others.to_flat_map();
  packer.pack_map(static_cast<uint32_t>(bundle.scalars.size() + others.size()));
  for (const ScalarEntry& entry : bundle.scalars) {
    packer.pack(allocator.key_of(entry));
    packer.pack_double(static_cast<double>(entry.millis) / 1000.0);
  }
  for (const auto& [key, value] : others) {
    packer.pack(key);
    packer.pack(value.text);
  }
}

void pack_grants(Packer& packer, const DrfAllocator& allocator, const std::vector<Grant>& grants) {
  packer.pack_array(static_cast<uint32_t>(grants.size()));
  for (const Grant& grant : grants) {
    packer.pack_map(4);
    packer.pack(std::string_view("framework_id"));
    packer.pack(allocator.framework_id(grant));
    packer.pack(std::string_view("agent_id"));
    packer.pack(allocator.agent_id(grant));
    packer.pack(std::string_view("role"));
    packer.pack(allocator.role_name(grant));
    packer.pack(std::string_view("resources"));
    pack_bundle(packer, allocator, grant.resources);
  }
}

void pack_description(Packer& packer, const DrfAllocator& allocator) {
  const CycleReport& cycle = allocator.cycle_report();
  std::vector<RoleReport> roles = allocator.roles();
  packer.pack_map(5);
  packer.pack(std::string_view("agents"));
  packer.pack(static_cast<uint64_t>(allocator.agent_count()));
  packer.pack(std::string_view("frameworks"));
  packer.pack(static_cast<uint64_t>(allocator.framework_count()));
  packer.pack(std::string_view("cycles"));
  packer.pack(cycle.cycles);
  packer.pack(std::string_view("last_cycle"));
  packer.pack_map(4);
  packer.pack(std::string_view("agents_visited"));
  packer.pack(static_cast<uint64_t>(cycle.agents_visited));
  packer.pack(std::string_view("grants"));
  packer.pack(static_cast<uint64_t>(cycle.grants));
  packer.pack(std::string_view("candidates"));
  packer.pack(static_cast<uint64_t>(cycle.candidates));
  packer.pack(std::string_view("parked"));
  packer.pack(static_cast<uint64_t>(cycle.parked));
  packer.pack(std::string_view("roles"));
  packer.pack_array(static_cast<uint32_t>(roles.size()));
  for (const RoleReport& role : roles) {
    packer.pack_map(role.has_quota ? 7 : 5);
    packer.pack(std::string_view("role"));
    packer.pack(role.role);
    packer.pack(std::string_view("weight"));
    packer.pack(role.weight);
    packer.pack(std::string_view("share"));
    packer.pack(role.share);
    packer.pack(std::string_view("allocated"));
    packer.pack(role.allocated);
    packer.pack(std::string_view("frameworks"));
    packer.pack(role.frameworks);
    if (role.has_quota) {
      packer.pack(std::string_view("guarantee"));
      packer.pack(role.guarantee);
      packer.pack(std::string_view("limit"));
      packer.pack(role.limit);
    }
  }
}

class DrfPlugin : public AllocatorPlugin {
 public:
  explicit DrfPlugin(DrfOptions options) : allocator_(std::move(options)) {}

  static StatusOr<std::unique_ptr<AllocatorPlugin>> create(const AllocatorConfig& config) {
    DrfOptions options;
    for (const std::string& text : config.min_allocatable) {
      auto alternative = Resources::parse(text);
      if (!alternative)
        return Status::invalid("min_allocatable: " + alternative.status().message());
      options.min_allocatable.push_back(*alternative);
    }
    return std::unique_ptr<AllocatorPlugin>(new DrfPlugin(std::move(options)));
  }

  Status handle(const AllocatorEvent& event) override { return drf::handle(allocator_, event); }

  Status allocate(int64_t now_millis, Packer& packer) override {
    pack_grants(packer, allocator_, allocator_.allocate(now_millis));
    return Status::ok();
  }

  Status describe(Packer& packer) override {
    pack_description(packer, allocator_);
    return Status::ok();
  }

 private:
  DrfAllocator allocator_;
};

}  // namespace
}  // namespace clusterctl::drf

CLUSTERCTL_ALLOCATOR_PLUGIN(clusterctl::drf::DrfPlugin, "drf", "1.0.0",
                            "weighted dominant resource fairness over hierarchical roles, with "
                            "quotas, reservations and decline filters")
