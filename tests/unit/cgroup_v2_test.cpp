// Cgroup on this machine's real cgroup v2 hierarchy: creating a cgroup with a
// controller enabled down the tree, reading CPU time from cpu.stat, killing a
// forking process tree through cgroup.kill, and a clear error for a
// controller the hierarchy does not offer. Where memory, cpu and pids are
// bound to v1 (hybrid hosts), the v2 hierarchy still offers the core files and
// often a controller nobody uses (hugetlb): enough to run the v2 paths of
// Cgroup. Needs root and a cgroup2 mount; skips without them.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "plugins/isolators/cgroups/cgroup.hpp"
#include "plugins/isolators/cgroups/cgroup_files.hpp"

namespace clusterctl {
namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool has_word(const std::string& text, const std::string& word) {
  std::istringstream words(text);
  for (std::string each; words >> each;) {
    if (each == word) return true;
  }
  return false;
}

class CgroupV2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    for (const CgroupMount& mount : parse_cgroup_mounts(read_text("/proc/self/mountinfo"))) {
      if (mount.version == CgroupVersion::kV2) mount_ = mount;
    }
    if (mount_.path.empty()) GTEST_SKIP() << "no cgroup2 hierarchy mounted";
    std::istringstream offered(read_text(mount_.path + "/cgroup.controllers"));
    offered >> controller_;
    if (controller_.empty()) GTEST_SKIP() << "the cgroup v2 hierarchy offers no controller";
    // ctest runs tests side by side, and each one enables the controller at
    // the hierarchy's root and puts it back: one at a time.
    lock_ = ::open("/tmp/clusterctl-cgroup-v2-test.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    ASSERT_GE(lock_, 0);
    ASSERT_EQ(::flock(lock_, LOCK_EX), 0);
    enabled_before_ = has_word(read_text(mount_.path + "/cgroup.subtree_control"), controller_);
    root_ = "clusterctl-v2-test-" + std::to_string(getpid());
  }

  void TearDown() override {
    if (root_.empty()) return;
    for (const std::string& name : list_cgroups(mount_, root_)) {
      EXPECT_TRUE(Cgroup(mount_, root_, name).destroy().is_ok());
    }
    ::rmdir((mount_.path + "/" + root_).c_str());
    // Leave the hierarchy's root as it was found.
    if (!enabled_before_) {
      (void)write_cgroup_file(mount_.path + "/cgroup.subtree_control", "-" + controller_);
    }
    ::close(lock_);  // and its lock
  }

  // A child that joins `cgroup`, then runs `command` with sh.
  pid_t spawn_in(const Cgroup& cgroup, const std::string& command) {
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) return -1;
    pid_t pid = ::fork();
    if (pid == 0) {
      char byte;
      ::close(ready[1]);
      if (::read(ready[0], &byte, 1) != 1) ::_exit(127);
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(ready[0]);
    EXPECT_TRUE(cgroup.add_process(pid).is_ok());
    EXPECT_EQ(::write(ready[1], "x", 1), 1);
    ::close(ready[1]);
    return pid;
  }

  bool wait_for_processes(const Cgroup& cgroup, size_t count) {
    for (int i = 0; i < 500; ++i) {
      if (cgroup.processes().size() >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  CgroupMount mount_;
  std::string controller_;
  bool enabled_before_ = false;
  std::string root_;
  int lock_ = -1;
};

TEST_F(CgroupV2Test, CreatesACgroupWithItsControllerEnabledDownTheTree) {
  Cgroup cgroup(mount_, root_, "c1");
  Status created = cgroup.create(controller_);
  ASSERT_TRUE(created.is_ok()) << created.message();
  EXPECT_TRUE(cgroup.exists());
  EXPECT_EQ(cgroup.version(), CgroupVersion::kV2);
  EXPECT_TRUE(has_word(read_text(mount_.path + "/cgroup.subtree_control"), controller_));
  EXPECT_TRUE(
      has_word(read_text(mount_.path + "/" + root_ + "/cgroup.subtree_control"), controller_));
  EXPECT_TRUE(has_word(*cgroup.read("cgroup.controllers"), controller_));
  // A second create of the same cgroup is fine.
  EXPECT_TRUE(cgroup.create(controller_).is_ok());
  EXPECT_EQ(list_cgroups(mount_, root_), std::vector<std::string>{"c1"});
}

TEST_F(CgroupV2Test, ReadsTheCpuTimeOfItsProcessesFromCpuStat) {
  Cgroup cgroup(mount_, root_, "busy");
  ASSERT_TRUE(cgroup.create(controller_).is_ok());
  // A fixed amount of work: about 0.2 s of CPU whatever else runs.
  pid_t pid = spawn_in(cgroup, "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done");
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  auto stat = cgroup.read_keyed("cpu.stat");
  ASSERT_TRUE(stat.is_ok()) << stat.status().message();
  // What the cpu isolator reports as cpu_seconds on v2.
  EXPECT_GT((*stat)["usage_usec"], 50000);
  EXPECT_LT((*stat)["usage_usec"], 10000000);
}

TEST_F(CgroupV2Test, DestroyKillsAForkingProcessTreeAndRemovesTheCgroup) {
  Cgroup cgroup(mount_, root_, "tree");
  ASSERT_TRUE(cgroup.create(controller_).is_ok());
  ASSERT_TRUE(cgroup.has_file("cgroup.kill")) << "kernel without cgroup.kill (before 5.14)";
  pid_t pid = spawn_in(cgroup, "sleep 300 & sleep 300 & wait");
  ASSERT_TRUE(wait_for_processes(cgroup, 3)) << cgroup.processes().size() << " processes";
  std::vector<pid_t> inside = cgroup.processes();

  Status destroyed = cgroup.destroy();
  ASSERT_TRUE(destroyed.is_ok()) << destroyed.message();
  EXPECT_FALSE(cgroup.exists());
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  for (pid_t each : inside) {
    // Gone, or a zombie nobody reaped yet: not running any more.
    std::string stat = read_text("/proc/" + std::to_string(each) + "/stat");
    size_t end = stat.rfind(')');
    if (end != std::string::npos) {
      EXPECT_EQ(stat.substr(end + 2, 1), "Z") << stat;
    }
  }
}

TEST_F(CgroupV2Test, AControllerTheHierarchyDoesNotOfferIsAnErrorNamingIt) {
  std::string offered = read_text(mount_.path + "/cgroup.controllers");
  if (has_word(offered, "memory")) GTEST_SKIP() << "memory is on cgroup v2 here";
  Cgroup cgroup(mount_, root_, "nomem");
  Status created = cgroup.create("memory");
  ASSERT_FALSE(created.is_ok());
  EXPECT_NE(created.message().find("'+memory'"), std::string::npos) << created.message();
  EXPECT_NE(created.message().find("cgroup.subtree_control"), std::string::npos)
      << created.message();
  EXPECT_FALSE(cgroup.exists());
}

}  // namespace
}  // namespace clusterctl
