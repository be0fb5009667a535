// MasterAuthorization: every ACL check of the master (--acls FILE, see
// core/auth/acls.hpp) in one place, called from the handlers: subscribe
// (register_frameworks, each role), launches (run_tasks, the user the task
// will run as), kill (kill_tasks), teardown (teardown_frameworks), quota.set
// and quota.remove (set_quotas), weights.set (set_weights), reservations by
// operators and by accept operations (reserve_resources), and what
// state.tasks, state.frameworks and /state show (view_tasks,
// view_frameworks). A denial is a permission_denied Status naming the
// principal, what it may not do and the ACL; it is logged (a few lines per
// interval) and counted ("authorization" in /state).
//
// Threading: the master's loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/allocation_messages.hpp"
#include "core/auth/acls.hpp"
#include "core/log_limiter.hpp"
#include "core/messages.hpp"

namespace clusterctl {

// "authorization" in /state.
struct AuthorizationView {
  bool acls = false;  // whether --acls was given
  uint64_t denials = 0;
  std::map<std::string, uint64_t> denials_by_action;  // "run_tasks": 2
  MSGPACK_DEFINE_MAP(acls, denials, denials_by_action);
};

// The OS user a task will run as: its own user once TaskInfo has one, else
// its framework's (FrameworkInfo.user).
std::string task_user(const FrameworkInfo& framework, const TaskInfo& task);

class MasterAuthorization {
 public:
  MasterAuthorization();
  explicit MasterAuthorization(Acls acls);

  // `principal` is who the caller proved to be (empty: nobody).
  Status subscribe(const std::string& principal, const FrameworkInfo& info);
  // Checked against the framework's principal (who subscribed it).
  Status launch(const FrameworkInfo& framework, const TaskInfo& task);
  Status kill(const std::string& principal, const FrameworkInfo& framework);
  Status teardown(const std::string& principal, const FrameworkInfo& framework);
  Status set_quota(const std::string& principal, const std::string& role);
  Status set_weights(const std::string& principal, const std::map<std::string, double>& weights);
  // Every role `resources` are (un)reserved for.
  Status reserve(const std::string& principal, const Resources& resources);

  // View filters: what is hidden is not a denial (neither logged nor counted).
  bool may_view_task(const std::string& principal, const std::string& user) const;
  bool may_view_framework(const std::string& principal, const FrameworkInfo& framework) const;

  AuthorizationView view() const { return view_; }

 private:
  Status check(AclAction action, const std::string& principal, const std::string& object);

  Acls acls_;
  LogLimiter log_;
  AuthorizationView view_;
};

}  // namespace clusterctl
