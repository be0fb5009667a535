// ACLs: who may do what (--acls FILE on the master and the agent), in the
// shape of Mesos's ACLs, and the decision for one request.
//
//   {"permissive": false,
//    "run_tasks": [{"principals": {"values": ["ops"]}, "users": {"type": "ANY"}},
//                  {"principals": {"type": "ANY"}, "users": {"values": ["nobody"]}}]}
//
// Actions and the object of each (the subject is always "principals"):
//   register_frameworks  roles                 a framework subscribing in a role
//   run_tasks            users                 the OS user a task will run as
//   kill_tasks           framework_principals  who registered the task's framework
//   teardown_frameworks  framework_principals  who registered the framework
//   set_quotas, set_weights, reserve_resources  roles
//   view_tasks           users                 the user the task runs as
//   view_frameworks      users                 the framework's user (FrameworkInfo.user)
//   access_sandboxes     users                 the user the sandbox's task runs as
// An entity is {"type": "ANY"}, {"type": "NONE"} or {"type": "SOME",
// "values": [...]} ({"values": [...]} alone means SOME).
//
// The first rule of the action whose subject and object both match decides:
// it allows unless its subject or object is NONE (a NONE entity matches
// everything and denies). When no rule matches, "permissive" decides
// (default true). An unauthenticated peer (empty principal) is matched by
// ANY and NONE subjects, never by a SOME list.
//
// Pure values and functions; thread-compatible.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace clusterctl {

enum class AclAction {
  kRegisterFrameworks,
  kRunTasks,
  kKillTasks,
  kTeardownFrameworks,
  kSetQuotas,
  kSetWeights,
  kReserveResources,
  kViewTasks,
  kViewFrameworks,
  kAccessSandboxes,
};
inline constexpr size_t kAclActionCount = 10;

// "run_tasks": the action's key in the file.
const char* acl_action_name(AclAction action);
// "users": the key of the action's object in a rule.
const char* acl_object_name(AclAction action);

struct AclEntity {
  enum class Type { kAny, kNone, kSome };
  Type type = Type::kAny;
  std::vector<std::string> values;  // kSome only
  // Whether a rule with this entity applies to `value`.
  bool matches(const std::string& value) const;
};

struct AclRule {
  AclEntity principals;
  AclEntity object;
};

class Acls {
 public:
  Acls() = default;  // no rules, permissive: allows everything

  // Parses the file's text; `where` ("--acls /etc/acls.json") starts every error,
  // followed by the path inside the file ("run_tasks[1].users.type").
  static StatusOr<Acls> parse(const std::string& json, const std::string& where);

  // OK, or permission_denied with a message a user can act on:
  // "principal 'bob' may not run tasks as user 'root' (ACL run_tasks)".
  // `principal` empty: an unauthenticated peer.
  Status authorize(AclAction action, const std::string& principal, const std::string& object) const;
  bool allows(AclAction action, const std::string& principal, const std::string& object) const {
    return authorize(action, principal, object).is_ok();
  }

  bool permissive() const { return permissive_; }
  const std::vector<AclRule>& rules(AclAction action) const {
    return rules_[static_cast<size_t>(action)];
  }

 private:
  bool permissive_ = true;
  std::array<std::vector<AclRule>, kAclActionCount> rules_;
};

// Reads and parses FILE; errors name `what` and the file ("--acls /x: ...").
StatusOr<Acls> load_acls(const std::string& path, const std::string& what = "--acls");

}  // namespace clusterctl
