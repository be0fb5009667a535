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

}  // namespace
}  // namespace clusterctl
