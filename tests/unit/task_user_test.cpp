// daemons/agent/task_user: the user a task runs as, its clean environment,
// the executor's secret, and spawning a child as another user (real
// processes; the user switch needs root and is skipped otherwise).
#include "daemons/agent/task_user.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace clusterctl {
namespace {

constexpr uid_t kNobody = 65534;

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool has_entry(const std::vector<std::string>& env, const std::string& entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("task_user_test." + std::to_string(::getpid()) + "." + std::to_string(++count_));
    std::filesystem::create_directories(path_);
    std::filesystem::permissions(path_, std::filesystem::perms(0755));
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  static inline int count_ = 0;
  std::filesystem::path path_;
};

TEST(ExecutorEnvironment, IsCleanAndHasTheUsersVariables) {
  ::setenv("CLUSTERCTL_TEST_AGENT_MARKER", "leaked", 1);
  TaskUser user;
  user.name = "alice";
  user.home = "/home/alice";
  std::vector<std::string> env =
      executor_environment(user, {{"JAVA_HOME", "/opt/jdk"}, {"PATH", "/opt/bin"}}, "s3cret");
  ::unsetenv("CLUSTERCTL_TEST_AGENT_MARKER");
  EXPECT_TRUE(has_entry(env, "HOME=/home/alice"));
  EXPECT_TRUE(has_entry(env, "USER=alice"));
  EXPECT_TRUE(has_entry(env, "LOGNAME=alice"));
  EXPECT_TRUE(has_entry(env, "JAVA_HOME=/opt/jdk"));
  EXPECT_TRUE(has_entry(env, "PATH=/opt/bin")) << "--executor-environment may override PATH";
  EXPECT_TRUE(has_entry(env, "CLUSTERCTL_EXECUTOR_SECRET=s3cret"));
  EXPECT_EQ(std::count_if(env.begin(), env.end(),
                          [](const std::string& e) { return e.rfind("LANG=", 0) == 0; }),
            1);
  for (const std::string& entry : env) {
    EXPECT_EQ(entry.find("CLUSTERCTL_TEST_AGENT_MARKER"), std::string::npos) << entry;
  }
  EXPECT_EQ(env.size(), 7u);
}

TEST(ExecutorEnvironment, ParsesAJsonObjectOfStrings) {
  auto parsed = parse_executor_environment(R"({"A": "1", "B_2": "x y"})");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
  EXPECT_EQ(*parsed, (std::map<std::string, std::string>{{"A", "1"}, {"B_2", "x y"}}));
  EXPECT_TRUE(parse_executor_environment("")->empty());
  EXPECT_NE(parse_executor_environment("A=1").status().message().find("is not JSON"),
            std::string::npos);
  EXPECT_NE(parse_executor_environment(R"({"A": {"b": "c"}})")
                .status()
                .message()
                .find("the value of 'A' must be a string"),
            std::string::npos);
  EXPECT_NE(parse_executor_environment(R"({"1A": "x"})")
                .status()
                .message()
                .find("'1A' is not a variable name"),
            std::string::npos);
  EXPECT_FALSE(parse_executor_environment(R"({"CLUSTERCTL_EXECUTOR_SECRET": "x"})").is_ok());
}

TEST(ExecutorSecret, IsRandomAndComparedWhole) {
  auto one = new_executor_secret();
  auto two = new_executor_secret();
  ASSERT_TRUE(one.is_ok() && two.is_ok());
  EXPECT_EQ(one->size(), 64u);  // 256 bits, hex
  EXPECT_NE(*one, *two);
  EXPECT_TRUE(secret_matches(*one, *one));
  EXPECT_FALSE(secret_matches(*one, *two));
  EXPECT_FALSE(secret_matches(*one, one->substr(0, 63)));
  EXPECT_FALSE(secret_matches(*one, ""));
  EXPECT_FALSE(secret_matches("", "")) << "an executor without a secret matches nothing";
}

TEST(TaskUserLookup, FindsRootAndNamesAMissingUser) {
  auto root = lookup_task_user("root", "host-1");
  ASSERT_TRUE(root.is_ok()) << root.status().message();
  EXPECT_EQ(root->credentials.uid, 0u);
  EXPECT_EQ(root->credentials.gid, 0u);
  EXPECT_EQ(root->home, "/root");
  auto missing = lookup_task_user("nosuch-clusterctl-user", "host-1");
  EXPECT_EQ(missing.status().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "user 'nosuch-clusterctl-user' does not exist on agent host-1");
}

// The child switches groups, gid and uid before exec, and keeps no capability.
TEST(SpawnAsUser, RunsTheChildWithTheUsersIdsAndNoCapabilities) {
  if (::geteuid() != 0) GTEST_SKIP() << "switching users needs root";
  TempDir dir;
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", "id -u; id -g; id -G; grep CapEff /proc/self/status; pwd"};
  options.env = {"PATH=/usr/bin:/bin"};
  options.working_dir = dir.path().string();
  options.stdout_path = (dir.path() / "out").string();
  options.credentials = SpawnCredentials{kNobody, kNobody, {kNobody}};
  auto pid = spawn_process(options);
  ASSERT_TRUE(pid.is_ok()) << pid.status().message();
  int status = 0;
  ASSERT_EQ(::waitpid(*pid, &status, 0), *pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(dir.path() / "out");
  EXPECT_EQ(slurp(dir.path() / "out"),
            "65534\n65534\n65534\nCapEff:\t0000000000000000\n" + dir.path().string() + "\n");
}

TEST(SpawnAsUser, FailsClearlyWhenTheUserCannotEnterItsWorkingDirectory) {
  if (::geteuid() != 0) GTEST_SKIP() << "switching users needs root";
  TempDir dir;
  std::filesystem::create_directory(dir.path() / "private");
  std::filesystem::permissions(dir.path() / "private", std::filesystem::perms(0700));
  SpawnOptions options;
  options.argv = {"/bin/true"};
  options.working_dir = (dir.path() / "private").string();
  options.credentials = SpawnCredentials{kNobody, kNobody, {}};
  auto pid = spawn_process(options);
  ASSERT_FALSE(pid.is_ok());
  EXPECT_NE(pid.status().message().find("cannot enter the working directory: Permission denied"),
            std::string::npos)
      << pid.status().message();
}

TEST(HandOverSandbox, GivesEverythingInsideToTheUserWithoutFollowingLinks) {
  if (::geteuid() != 0) GTEST_SKIP() << "chown to another user needs root";
  TempDir dir;
  std::filesystem::path sandbox = dir.path() / "sandbox";
  std::filesystem::create_directories(sandbox / "artifact");
  std::ofstream(sandbox / "artifact" / "file") << "x";
  std::ofstream(dir.path() / "outside") << "y";
  std::filesystem::create_symlink(dir.path() / "outside", sandbox / "link");
  Status handed =
      hand_over_sandbox(sandbox.string(), (sandbox / "executor.log").string(), kNobody, kNobody);
  ASSERT_TRUE(handed) << handed.message();
  for (const char* name : {"", "artifact", "artifact/file", "executor.log", "link"}) {
    struct stat info;
    ASSERT_EQ(::lstat((sandbox / name).c_str(), &info), 0) << name;
    EXPECT_EQ(info.st_uid, kNobody) << name;
  }
  struct stat outside;
  ASSERT_EQ(::stat((dir.path() / "outside").c_str(), &outside), 0);
  EXPECT_EQ(outside.st_uid, 0u) << "a link in the sandbox is not followed";
}

}  // namespace
}  // namespace clusterctl
