#include "daemons/agent/sandbox_access.hpp"

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace clusterctl {
namespace {

namespace fs = std::filesystem;

class SandboxAccess : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/sandbox_access_test.XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    base_ = dir;
    root_ = base_ + "/agents";
    run_ = root_ + "/a1/frameworks/f1/executors/e1/runs/c1";
    fs::create_directories(run_);
    std::ofstream(run_ + "/stdout") << "hello\n";
    fs::create_directory_symlink("c1", root_ + "/a1/frameworks/f1/executors/e1/runs/latest");
    std::ofstream(base_ + "/acls.json") << R"({"access_sandboxes": [
        {"principals": {"values": ["alice"]}, "users": {"type": "ANY"}},
        {"principals": {"type": "ANY"}, "users": {"type": "NONE"}}]})";
  }
  void TearDown() override { fs::remove_all(base_); }

  HttpRequest read(const std::string& path, const std::string& principal) {
    HttpRequest request;
    request.method = "GET";
    request.path = "/files/read";
    request.query["path"] = path;
    request.headers[kVerifiedPrincipalHeader] = "alice";  // what a client might send
    return with_verified_principal(request, principal);
  }

  std::string base_, root_, run_;
};

std::string me() {
  struct passwd* entry = ::getpwuid(::geteuid());
  return entry != nullptr ? entry->pw_name : std::to_string(::geteuid());
}

TEST_F(SandboxAccess, TheUserOfASandboxIsTheOwnerOfItsRunDirectory) {
  EXPECT_EQ(*sandbox_user(root_, run_ + "/stdout"), me());
  EXPECT_EQ(*sandbox_user(root_, root_ + "/a1/frameworks/f1/executors/e1/runs/latest/stdout"),
            me());
  EXPECT_EQ(*sandbox_user(root_, root_ + "/a1/frameworks/f1"), "*");
  EXPECT_EQ(*sandbox_user(root_, root_), "*");
  auto dots = sandbox_user(root_, run_ + "/../c1/stdout");
  ASSERT_FALSE(dots.is_ok());
  EXPECT_EQ(dots.status().kind(), ErrorKind::kPermissionDenied);
  EXPECT_EQ(
      sandbox_user(root_, root_ + "/a1/frameworks/f1/executors/e1/runs/gone/x").status().kind(),
      ErrorKind::kNotFound);
}

TEST_F(SandboxAccess, FilesAreServedOnlyToWhomTheAclsAllow) {
  FileServerOptions options = sandbox_file_options(base_ + "/acls.json");
  HttpResponse allowed = options.serve(root_, read(run_ + "/stdout", "alice"));
  EXPECT_EQ(allowed.status, 200) << allowed.body;
  EXPECT_NE(allowed.body.find("hello"), std::string::npos);
  // The header a client sent is replaced by what HTTP Basic proved.
  HttpResponse denied = options.serve(root_, read(run_ + "/stdout", "bob"));
  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(denied.body.find("principal 'bob' may not access sandboxes of tasks running as user '" +
                             me() + "' (ACL access_sandboxes[1])"),
            std::string::npos)
      << denied.body;
  EXPECT_EQ(options.serve(root_, read(run_ + "/stdout", "")).status, 403);
  // Without --acls nothing is checked.
  EXPECT_EQ(sandbox_file_options("").serve(root_, read(run_ + "/stdout", "bob")).status, 200);
}

TEST_F(SandboxAccess, ALinkIntoAnotherSandboxIsCheckedAsThatSandbox) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a sandbox to another user";
  std::string other = root_ + "/a1/frameworks/f2/executors/e2/runs/c2";
  fs::create_directories(other);
  std::ofstream(other + "/secret") << "theirs\n";
  ASSERT_EQ(::chown(other.c_str(), 65534, 65534), 0);
  fs::create_directory_symlink(other, run_ + "/peek");
  std::ofstream(base_ + "/own.json") << R"({"access_sandboxes": [
      {"principals": {"values": ["bob"]}, "users": {"values": [")" +
                                            me() + R"("]}},
      {"principals": {"type": "ANY"}, "users": {"type": "NONE"}}]})";
  FileServerOptions options = sandbox_file_options(base_ + "/own.json");
  EXPECT_EQ(options.serve(root_, read(run_ + "/stdout", "bob")).status, 200);
  HttpResponse through_link = options.serve(root_, read(run_ + "/peek/secret", "bob"));
  EXPECT_EQ(through_link.status, 403) << through_link.body;
  EXPECT_EQ(through_link.body.find("theirs"), std::string::npos);
  EXPECT_NE(through_link.body.find("principal 'bob' may not access sandboxes of tasks running as "
                                   "user 'nobody' (ACL access_sandboxes[1])"),
            std::string::npos)
      << through_link.body;
}

}  // namespace
}  // namespace clusterctl
