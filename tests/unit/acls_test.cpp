#include "core/auth/acls.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace clusterctl {
namespace {

Acls parsed(const std::string& json) {
  auto acls = Acls::parse(json, "--acls a.json");
  EXPECT_TRUE(acls.is_ok()) << acls.status().message();
  return acls.is_ok() ? *acls : Acls();
}

std::string parse_error(const std::string& json) {
  auto acls = Acls::parse(json, "--acls a.json");
  EXPECT_FALSE(acls.is_ok()) << json;
  return acls.is_ok() ? "" : acls.status().message();
}

TEST(Acls, EmptyFileAllowsEverything) {
  Acls acls = parsed("{}");
  EXPECT_TRUE(acls.permissive());
  EXPECT_TRUE(acls.allows(AclAction::kRunTasks, "", "root"));
  EXPECT_TRUE(Acls().allows(AclAction::kSetQuotas, "bob", "prod"));
}

TEST(Acls, FirstMatchingRuleWinsAndNoneDenies) {
  Acls acls = parsed(R"({
    "permissive": true,
    "run_tasks": [
      {"principals": {"values": ["ops"]}, "users": {"type": "ANY"}},
      {"principals": {"type": "ANY"}, "users": {"type": "SOME", "values": ["root"]}},
      {"principals": {"type": "ANY"}, "users": {"type": "NONE"}}
    ]})");
  // ops: the first rule allows, even root.
  EXPECT_TRUE(acls.allows(AclAction::kRunTasks, "ops", "root"));
  // bob as root: the second rule (SOME root, allowing).
  EXPECT_TRUE(acls.allows(AclAction::kRunTasks, "bob", "root"));
  // bob as alice: the third rule denies, naming the rule.
  Status denied = acls.authorize(AclAction::kRunTasks, "bob", "alice");
  EXPECT_EQ(denied.kind(), ErrorKind::kPermissionDenied);
  EXPECT_EQ(denied.message(),
            "principal 'bob' may not run tasks as user 'alice' (ACL run_tasks[2])");
  // Other actions have no rules: permissive.
  EXPECT_TRUE(acls.allows(AclAction::kKillTasks, "bob", "alice"));
}

TEST(Acls, NotPermissiveDeniesWhatNoRuleMatches) {
  Acls acls = parsed(R"({"permissive": false,
    "set_quotas": [{"principals": {"values": ["admin"]}, "roles": {"values": ["prod", "dev"]}}]})");
  EXPECT_FALSE(acls.permissive());
  EXPECT_TRUE(acls.allows(AclAction::kSetQuotas, "admin", "dev"));
  Status denied = acls.authorize(AclAction::kSetQuotas, "admin", "batch");
  EXPECT_EQ(denied.kind(), ErrorKind::kPermissionDenied);
  EXPECT_EQ(denied.message(),
            "principal 'admin' may not set quotas of role 'batch' (ACL set_quotas: no rule "
            "matches and \"permissive\" is false)");
  EXPECT_FALSE(acls.allows(AclAction::kSetWeights, "admin", "dev"));
}

TEST(Acls, UnauthenticatedPeerMatchesOnlyAnyAndNoneSubjects) {
  Acls acls = parsed(R"({"permissive": false,
    "register_frameworks": [
      {"principals": {"values": [""]}, "roles": {"type": "ANY"}},
      {"principals": {"values": ["alice"]}, "roles": {"type": "ANY"}},
      {"principals": {"type": "ANY"}, "roles": {"values": ["public"]}}
    ],
    "teardown_frameworks": [
      {"principals": {"type": "NONE"}, "framework_principals": {"values": ["alice"]}}
    ]})");
  EXPECT_TRUE(acls.allows(AclAction::kRegisterFrameworks, "alice", "prod"));
  EXPECT_TRUE(acls.allows(AclAction::kRegisterFrameworks, "", "public"));
  Status denied = acls.authorize(AclAction::kRegisterFrameworks, "", "prod");
  EXPECT_EQ(denied.message(),
            "an unauthenticated client may not register frameworks in role 'prod' (ACL "
            "register_frameworks: no rule matches and \"permissive\" is false)");
  // A NONE subject denies everybody, the unauthenticated too.
  EXPECT_FALSE(acls.allows(AclAction::kTeardownFrameworks, "", "alice"));
  EXPECT_FALSE(acls.allows(AclAction::kTeardownFrameworks, "alice", "alice"));
  EXPECT_EQ(acls.authorize(AclAction::kTeardownFrameworks, "bob", "alice").message(),
            "principal 'bob' may not tear down frameworks registered by principal 'alice' (ACL "
            "teardown_frameworks[0])");
  EXPECT_FALSE(acls.allows(AclAction::kTeardownFrameworks, "bob", "carol"));  // not permissive
}

TEST(Acls, EveryActionHasItsObjectKey) {
  Acls acls = parsed(R"({
    "register_frameworks": [{"principals": {"type": "ANY"}, "roles": {"type": "NONE"}}],
    "run_tasks": [{"principals": {"type": "ANY"}, "users": {"type": "NONE"}}],
    "kill_tasks": [{"principals": {"type": "ANY"}, "framework_principals": {"type": "NONE"}}],
    "teardown_frameworks": [{"principals": {"type": "ANY"}, "framework_principals": {"type": "NONE"}}],
    "set_quotas": [{"principals": {"type": "ANY"}, "roles": {"type": "NONE"}}],
    "set_weights": [{"principals": {"type": "ANY"}, "roles": {"type": "NONE"}}],
    "reserve_resources": [{"principals": {"type": "ANY"}, "roles": {"type": "NONE"}}],
    "view_tasks": [{"principals": {"type": "ANY"}, "users": {"type": "NONE"}}],
    "view_frameworks": [{"principals": {"type": "ANY"}, "users": {"type": "NONE"}}],
    "access_sandboxes": [{"principals": {"type": "ANY"}, "users": {"type": "NONE"}}]})");
  for (size_t i = 0; i < kAclActionCount; ++i) {
    auto action = static_cast<AclAction>(i);
    EXPECT_EQ(acls.rules(action).size(), 1u) << acl_action_name(action);
    EXPECT_FALSE(acls.allows(action, "p", "x")) << acl_action_name(action);
  }
  EXPECT_STREQ(acl_object_name(AclAction::kKillTasks), "framework_principals");
  EXPECT_STREQ(acl_object_name(AclAction::kViewFrameworks), "users");
}

TEST(Acls, ParseErrorsNameTheFileAndThePathInIt) {
  EXPECT_NE(parse_error("{\"run_tasks\": [").find("--acls a.json: not valid JSON (line 1"),
            std::string::npos);
  EXPECT_EQ(parse_error(R"({"run_task": []})"),
            "--acls a.json: unknown key \"run_task\" (known: permissive, register_frameworks, "
            "run_tasks, kill_tasks, teardown_frameworks, set_quotas, set_weights, "
            "reserve_resources, view_tasks, view_frameworks, access_sandboxes)");
  EXPECT_EQ(parse_error(R"({"permissive": "maybe"})"),
            "--acls a.json: permissive: expected true or false");
  EXPECT_EQ(parse_error(R"({"run_tasks": {"principals": {"type": "ANY"}}})"),
            "--acls a.json: run_tasks: expected a list of rules [...]");
  EXPECT_EQ(parse_error(R"({"run_tasks": [{"principals": {"type": "ANY"}, "users": {"type": "ANY"}},
                                          {"principals": {"type": "ANY"}, "roles": {"type": "ANY"}}]})"),
            "--acls a.json: run_tasks[1]: unknown key \"roles\" (a run_tasks rule has "
            "\"principals\" and \"users\")");
  EXPECT_EQ(parse_error(R"({"set_quotas": [{"principals": {"type": "ANY"}}]})"),
            "--acls a.json: set_quotas[0]: \"roles\" is missing");
  EXPECT_EQ(parse_error(R"({"set_quotas": [{"roles": {"type": "ANY"}}]})"),
            "--acls a.json: set_quotas[0]: \"principals\" is missing");
  EXPECT_EQ(
      parse_error(R"({"kill_tasks": [{"principals": {"type": "SOMEE"},
                                            "framework_principals": {"type": "ANY"}}]})"),
      "--acls a.json: kill_tasks[0].principals.type: \"SOMEE\" is not one of ANY, NONE, SOME");
  EXPECT_EQ(parse_error(R"({"view_tasks": [{"principals": {"type": "ANY", "values": ["a"]},
                                            "users": {"type": "ANY"}}]})"),
            "--acls a.json: view_tasks[0].principals: type ANY takes no \"values\" (use type SOME "
            "to list them)");
  EXPECT_EQ(parse_error(R"({"view_tasks": [{"principals": {"type": "SOME"},
                                            "users": {"type": "ANY"}}]})"),
            "--acls a.json: view_tasks[0].principals: type SOME needs \"values\": [...]");
  EXPECT_EQ(parse_error(R"({"view_tasks": [{"principals": {"values": "bob"},
                                            "users": {"type": "ANY"}}]})"),
            "--acls a.json: view_tasks[0].principals.values: expected a list of strings, not "
            "\"bob\"");
  EXPECT_EQ(parse_error(R"({"view_tasks": [{"principals": {"values": [["bob"]]},
                                            "users": {"type": "ANY"}}]})"),
            "--acls a.json: view_tasks[0].principals.values[0]: expected a string");
  EXPECT_EQ(parse_error(R"({"view_tasks": [{"principals": "ANY", "users": {"type": "ANY"}}]})"),
            "--acls a.json: view_tasks[0].principals: expected an object like {\"type\": \"ANY\"} "
            "or {\"values\": [...]}");
  EXPECT_EQ(
      parse_error(R"({"view_tasks": [{"principals": {"kind": "ANY"}, "users": {"type": "ANY"}}]})"),
      "--acls a.json: view_tasks[0].principals: unknown key \"kind\" (known: type, values)");
  EXPECT_EQ(parse_error(R"([1, 2])"),
            "--acls a.json: expected an object {\"permissive\": ..., \"run_tasks\": [...]}");
}

TEST(Acls, LoadNamesAMissingFile) {
  auto missing = load_acls("/nonexistent/acls.json");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().message(),
            "--acls /nonexistent/acls.json: cannot read: No such file or directory");

  char path[] = "/tmp/acls_test.XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << R"({"permissive": false, "run_tasks": [
      {"principals": {"type": "ANY"}, "users": {"values": ["nobody"]}}]})";
  auto loaded = load_acls(path);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
  EXPECT_TRUE(loaded->allows(AclAction::kRunTasks, "", "nobody"));
  EXPECT_FALSE(loaded->allows(AclAction::kRunTasks, "", "root"));
  std::ofstream(path) << R"({"permissive": 1})";
  auto bad = load_acls(path, "--acls");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message(),
            std::string("--acls ") + path + ": permissive: expected true or false");
  std::remove(path);
}

}  // namespace
}  // namespace clusterctl
