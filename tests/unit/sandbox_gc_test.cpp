// SandboxGc on real directories: removal after the delay, early removal
// (oldest first) while the disk is short of space, and the layout tidied.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/asio.hpp"
#include "daemons/agent/sandbox.hpp"
#include "daemons/agent/sandbox_gc.hpp"

namespace clusterctl {
namespace {

namespace fs = std::filesystem;

class SandboxGcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = fs::temp_directory_path() / ("sandbox_gc_test." + std::to_string(::getpid()));
    fs::remove_all(work_);
  }
  void TearDown() override { fs::remove_all(work_); }

  std::string sandbox(const std::string& executor, const std::string& container) {
    auto dir = create_sandbox(work_.string(), {"agent-1", "fw-1", executor, container});
    EXPECT_TRUE(dir.is_ok());
    std::ofstream(*dir + "/stdout") << "output";
    return *dir;
  }

  void run_until(const std::function<bool()>& done) {
    if (io_.stopped()) io_.restart();        // it stops whenever it runs out of work
    auto busy = asio::make_work_guard(io_);  // removals finish on other threads
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.run_one_for(std::chrono::milliseconds(20));
    }
  }

  asio::io_context io_;
  fs::path work_;
};

TEST_F(SandboxGcTest, RemovesFinishedSandboxesAfterTheDelay) {
  SandboxGcOptions options;
  options.delay = Duration(200);
  options.free_fraction = [] { return 1.0; };
  SandboxGc gc(io_, options);
  std::vector<std::string> removed;
  gc.on_removed([&](const std::string& dir) { removed.push_back(dir); });
  std::string first = sandbox("t1", "c1");
  std::string kept = sandbox("t2", "c2");
  auto start = std::chrono::steady_clock::now();
  gc.schedule(first);
  run_until([&] { return !removed.empty(); });
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  EXPECT_EQ(removed, (std::vector<std::string>{first}));
  // The whole executor directory went with its only run; the other stays.
  EXPECT_FALSE(fs::exists(work_ / "agents/agent-1/frameworks/fw-1/executors/t1"));
  EXPECT_TRUE(fs::exists(kept + "/stdout"));
  EXPECT_EQ(gc.pending(), 0u);
}

TEST_F(SandboxGcTest, RemovesEarlyOldestFirstWhileTheDiskIsShort) {
  double free = 1.0;
  SandboxGcOptions options;
  options.delay = Duration(3600 * 1000);
  options.disk_headroom = 0.2;
  options.disk_watch_interval = Duration(50);
  options.free_fraction = [&] { return free; };
  SandboxGc gc(io_, options);
  std::vector<std::string> removed;
  gc.on_removed([&](const std::string& dir) {
    removed.push_back(dir);
    if (removed.size() == 2) free = 0.5;  // enough room again
  });
  std::string oldest = sandbox("t1", "c1");
  std::string middle = sandbox("t2", "c2");
  std::string newest = sandbox("t3", "c3");
  gc.schedule(oldest);
  gc.schedule(middle);
  gc.schedule(newest);
  gc.start();
  free = 0.1;
  run_until([&] { return removed.size() >= 2; });
  io_.run_for(std::chrono::milliseconds(200));
  EXPECT_EQ(removed, (std::vector<std::string>{oldest, middle}));
  EXPECT_TRUE(fs::exists(newest));
  EXPECT_EQ(gc.pending(), 1u);
}

TEST_F(SandboxGcTest, KeepsTheLatestLinkOfAnotherRun) {
  std::string old_run = sandbox("t1", "c1");
  std::string new_run = sandbox("t1", "c2");  // latest -> c2
  remove_sandbox(old_run);
  EXPECT_FALSE(fs::exists(old_run));
  EXPECT_EQ(fs::read_symlink(fs::path(new_run).parent_path() / "latest"), "c2");
  remove_sandbox(new_run);
  EXPECT_FALSE(fs::exists(work_ / "agents/agent-1/frameworks/fw-1"));
  EXPECT_TRUE(fs::exists(work_ / "agents/agent-1/frameworks"));
}

}  // namespace
}  // namespace clusterctl
