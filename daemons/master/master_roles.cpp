// state.roles: the role tree as the master sees it, with each role's weight,
// quota, what its subtree holds and its share (from the allocator), what is
// reserved for it on the agents, and the frameworks subscribed in it.
#include "daemons/master/master_impl.hpp"

namespace clusterctl {

RolesReply MasterImpl::roles_view() {
  std::map<std::string, RoleView> roles;  // sorted: parents before children
  auto touch = [&roles](const std::string& name) -> RoleView& {
    for (size_t slash = name.find('/'); slash != std::string::npos;
         slash = name.find('/', slash + 1)) {
      RoleView& ancestor = roles[name.substr(0, slash)];
      ancestor.role = name.substr(0, slash);
    }
    RoleView& role = roles[name];
    role.role = name;
    return role;
  };
  for (const auto& [id, framework] : state_.frameworks) {
    if (!framework.active) continue;
    for (const std::string& role : framework.info.roles) touch(role).frameworks.push_back(id);
  }
  for (const auto& [name, quota] : registry_->state().quotas) {
    RoleView& role = touch(name);
    role.guarantee = quota.guarantee;
    role.limit = quota.limit;
  }
  for (const auto& [id, agent] : state_.agents) {
    if (agent.state == AgentState::kUnreachable) continue;
    Resources total = agent_total(agent);
    for (const Resource& resource : total.items()) {
      if (resource.role == "*") continue;
      Resource quantity = resource;
      quantity.role = "*";
      (void)touch(resource.role).reserved.add(quantity);
    }
  }
  auto allocated = allocator_->roles();
  if (allocated) {
    for (const AllocatorRoleState& state : *allocated) {
      RoleView& role = touch(state.role);
      role.allocated = state.allocated;
      role.share = state.share;
    }
  } else {
    report(allocated.status());
  }
  std::map<std::string, double> weights = effective_weights();
  RolesReply reply;
  for (auto& [name, role] : roles) {
    size_t slash = name.rfind('/');
    role.parent = slash == std::string::npos ? "" : name.substr(0, slash);
    auto weight = weights.find(name);
    role.weight = weight == weights.end() ? 1 : weight->second;
    reply.roles.push_back(std::move(role));
  }
  return reply;
}

}  // namespace clusterctl
