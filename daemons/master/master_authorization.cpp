#include "daemons/master/master_authorization.hpp"

#include <set>

#include "core/log.hpp"
#include "daemons/master/master_impl.hpp"

namespace clusterctl {

std::string task_user(const FrameworkInfo& framework, const TaskInfo& task) {
  // The one place that decides a task's user: its own, else its framework's
  // (as the agent does, daemons/agent/task_user.cpp).
  return task.user.empty() ? framework.user : task.user;
}

MasterAuthorization::MasterAuthorization() : log_(5, Duration(10000)) {}

MasterAuthorization::MasterAuthorization(Acls acls) : MasterAuthorization() {
  acls_ = std::move(acls);
  view_.acls = true;
}

Status MasterAuthorization::check(AclAction action, const std::string& principal,
                                  const std::string& object) {
  Status decision = acls_.authorize(action, principal, object);
  if (decision) return decision;
  ++view_.denials;
  ++view_.denials_by_action[acl_action_name(action)];
  if (auto note = log_.admit()) LOG(kWarning) << "denied: " << decision.message() << *note;
  return decision;
}

Status MasterAuthorization::subscribe(const std::string& principal, const FrameworkInfo& info) {
  for (const std::string& role : info.roles) {
    CLUSTERCTL_RETURN_IF_ERROR(check(AclAction::kRegisterFrameworks, principal, role));
  }
  return Status::ok();
}

Status MasterAuthorization::launch(const FrameworkInfo& framework, const TaskInfo& task) {
  return check(AclAction::kRunTasks, framework.principal, task_user(framework, task));
}

Status MasterAuthorization::kill(const std::string& principal, const FrameworkInfo& framework) {
  return check(AclAction::kKillTasks, principal, framework.principal);
}

Status MasterAuthorization::teardown(const std::string& principal, const FrameworkInfo& framework) {
  return check(AclAction::kTeardownFrameworks, principal, framework.principal);
}

Status MasterAuthorization::set_quota(const std::string& principal, const std::string& role) {
  return check(AclAction::kSetQuotas, principal, role);
}

Status MasterAuthorization::set_weights(const std::string& principal,
                                        const std::map<std::string, double>& weights) {
  for (const auto& [role, weight] : weights) {
    CLUSTERCTL_RETURN_IF_ERROR(check(AclAction::kSetWeights, principal, role));
  }
  return Status::ok();
}

Status MasterAuthorization::reserve(const std::string& principal, const Resources& resources) {
  std::set<std::string> roles;
  for (const Resource& resource : resources.items()) roles.insert(resource.role);
  for (const std::string& role : roles) {
    CLUSTERCTL_RETURN_IF_ERROR(check(AclAction::kReserveResources, principal, role));
  }
  return Status::ok();
}

bool MasterAuthorization::may_view_task(const std::string& principal,
                                        const std::string& user) const {
  return acls_.allows(AclAction::kViewTasks, principal, user);
}

bool MasterAuthorization::may_view_framework(const std::string& principal,
                                             const FrameworkInfo& framework) const {
  return acls_.allows(AclAction::kViewFrameworks, principal, framework.user);
}

Status check_authorization_options(const MasterOptions& options) {
  if (!options.acls.empty()) {
    auto acls = load_acls(options.acls);
    if (!acls) return acls.status();
  }
  return Status::ok();  // --credentials and --authenticate-http: the AuthenticationGate's
}

Status MasterImpl::load_authorization() {
  if (!options_.acls.empty()) {
    auto acls = load_acls(options_.acls);
    if (!acls) return acls.status();
    authorization_ = MasterAuthorization(std::move(acls).value());
    LOG(kInfo) << "authorization: ACLs from " << options_.acls;
  }
  // HTTP Basic checks the store the AuthenticationGate checked at start.
  const AuthenticationOptions& authentication = options_.authentication;
  if (authentication.operators && !authentication.credentials_file.empty()) {
    auto store = load_credential_store(authentication.credentials_file);
    if (!store) return store.status();
    http_credentials_ = std::move(store).value();
  }
  if (authentication.operators) {
    LOG(kInfo) << "HTTP: /state needs HTTP Basic authentication (" << http_credentials_.size()
               << " principals)";
  }
  return Status::ok();
}

}  // namespace clusterctl
