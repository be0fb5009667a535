// core/process: real children, real signals. Every child a test starts is
// killed and reaped by its pid even when the test fails (ChildGuard), and
// every test ends by checking that no child of this process is left.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "core/asio.hpp"
#include "core/process/child_watcher.hpp"
#include "core/process/group_killer.hpp"
#include "core/process/process.hpp"

namespace clusterctl {
namespace {

using Clock = std::chrono::steady_clock;

// Kills and reaps a child unless the test saw it reaped (release()).
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid) : pid_(pid) {}
  ~ChildGuard() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  void release() { pid_ = 0; }

 private:
  pid_t pid_;
};

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// Running, not a zombie (an orphan's zombie waits for init, which may be slow).
bool process_exists(pid_t pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

// Waits (polling, with a deadline: tests only) until `pid` is gone.
bool wait_gone(pid_t pid, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (!process_exists(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("process_test." + std::to_string(::getpid()) + "." +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    // No zombie and no other child is left behind.
    errno = 0;
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
    std::filesystem::remove_all(dir_);
  }

  StatusOr<pid_t> spawn_shell(const std::string& script) {
    SpawnOptions options;
    options.argv = {"/bin/sh", "-c", script};
    options.env = current_environment();
    options.working_dir = dir_.string();
    options.stdout_path = path("stdout");
    options.stderr_path = path("stderr");
    return spawn_process(options);
  }

  // Watches `pid` and runs the loop until it exited (at most 10 s).
  std::optional<ExitStatus> wait_exit(pid_t pid, ChildGuard& guard, bool group = true) {
    std::optional<ExitStatus> result;
    auto on_exit = [&](const ExitStatus& exit) {
      result = exit;
      io_.stop();  // a GroupKiller's pending timer must not keep the loop going
    };
    Status watched = group ? watcher_.watch_group(pid, on_exit) : watcher_.watch(pid, on_exit);
    EXPECT_TRUE(watched.is_ok()) << watched.message();
    io_.run_for(std::chrono::seconds(10));
    io_.restart();
    if (result) guard.release();
    return result;
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
  asio::io_context io_;
  ChildWatcher watcher_{io_};
};

TEST_F(ProcessTest, ReportsTheExitCode) {
  auto pid = spawn_shell("exit 3");
  ASSERT_TRUE(pid.is_ok()) << pid.status().message();
  ChildGuard guard(*pid);
  auto exit = wait_exit(*pid, guard);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->exit_code, 3);
  EXPECT_FALSE(exit->killed_by_signal());
  EXPECT_EQ(exit->describe(), "exited with status 3");
}

TEST_F(ProcessTest, ASignalIsExitCode128PlusN) {
  auto pid = spawn_shell("kill -TERM $$; sleep 5");
  ASSERT_TRUE(pid.is_ok()) << pid.status().message();
  ChildGuard guard(*pid);
  auto exit = wait_exit(*pid, guard);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->signal, SIGTERM);
  EXPECT_EQ(exit->exit_code, 128 + SIGTERM);
  EXPECT_EQ(exit->describe(), "killed by signal 15 (SIGTERM)");
}

TEST_F(ProcessTest, AppendsStdoutAndStderrToTheirFiles) {
  std::ofstream(path("stdout")) << "before\n";
  auto pid = spawn_shell("echo out; echo err >&2; pwd; echo \"$GREETING\"");
  ASSERT_TRUE(pid.is_ok()) << pid.status().message();
  ChildGuard guard(*pid);
  ASSERT_TRUE(wait_exit(*pid, guard).has_value());
  std::string cwd = std::filesystem::canonical(dir_).string();
  EXPECT_EQ(read_file(path("stdout")), "before\nout\n" + cwd + "\n\n");
  EXPECT_EQ(read_file(path("stderr")), "err\n");
}

// The output files may be in a directory the task writes to: a symbolic
// link, a hard link or a FIFO planted there is refused, and nothing is
// written where it leads (nor does the spawn block on the FIFO).
TEST_F(ProcessTest, NeverOpensItsOutputThroughALinkOrAFifo) {
  std::filesystem::create_directories(path("sandbox"));
  { std::ofstream(path("canary")) << "canary\n"; }
  std::filesystem::create_symlink(path("canary"), path("sandbox/symlink"));
  std::filesystem::create_hard_link(path("canary"), path("sandbox/hardlink"));
  ASSERT_EQ(::mkfifo(path("sandbox/fifo").c_str(), 0644), 0);
  for (std::string name : {"symlink", "hardlink", "fifo"}) {
    SpawnOptions options;
    options.argv = {"/bin/sh", "-c", "echo written"};
    options.env = current_environment();
    options.stdout_path = options.stderr_path = path("sandbox/" + name);
    auto pid = spawn_process(options);
    ASSERT_FALSE(pid.is_ok()) << name;
    EXPECT_NE(pid.status().message().find("refusing to write to '" + path("sandbox/" + name)),
              std::string::npos)
        << pid.status().message();
  }
  EXPECT_EQ(read_file(path("canary")), "canary\n");
  // A regular file with one link is fine.
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", "echo written"};
  options.env = current_environment();
  options.stdout_path = options.stderr_path = path("sandbox/regular");
  auto pid = spawn_process(options);
  ASSERT_TRUE(pid.is_ok()) << pid.status().message();
  ChildGuard guard(*pid);
  ASSERT_TRUE(wait_exit(*pid, guard).has_value());
  EXPECT_EQ(read_file(path("sandbox/regular")), "written\n");
}

TEST_F(ProcessTest, PassesExactlyTheGivenEnvironment) {
  SpawnOptions options;
  options.argv = {"/usr/bin/env"};
  options.env = {"GREETING=hola", "EMPTY="};
  options.stdout_path = options.stderr_path = path("out");
  auto pid = spawn_process(options);
  ASSERT_TRUE(pid.is_ok()) << pid.status().message();
  ChildGuard guard(*pid);
  ASSERT_TRUE(wait_exit(*pid, guard).has_value());
  EXPECT_EQ(read_file(path("out")), "GREETING=hola\nEMPTY=\n");
}

TEST_F(ProcessTest, TheChildLeadsANewSessionAndInheritsNoOtherFd) {
  int leaked = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC on purpose
  ASSERT_GE(leaked, 0);
  int high = ::dup2(leaked, 50);
  ::close(leaked);
  auto pid = spawn_shell("test -e /proc/$$/fd/50 && echo leaked || echo closed; sleep 5");
  ::close(high);
  ASSERT_TRUE(pid.is_ok()) << pid.status().message();
  ChildGuard guard(*pid);
  EXPECT_EQ(::getsid(*pid), *pid);
  EXPECT_EQ(::getpgid(*pid), *pid);
  GroupKiller killer(io_);
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (read_file(path("stdout")).empty() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  killer.kill_now(*pid);
  ASSERT_TRUE(wait_exit(*pid, guard).has_value());
  EXPECT_EQ(read_file(path("stdout")), "closed\n");
}

TEST_F(ProcessTest, SpawnErrorsNameTheProgram) {
  SpawnOptions options;
  options.argv = {"/nonexistent/program"};
  auto pid = spawn_process(options);
  ASSERT_FALSE(pid.is_ok());
  EXPECT_EQ(pid.status().message(), "cannot run '/nonexistent/program': No such file or directory");

  options.argv = {"true"};
  options.working_dir = path("missing");
  pid = spawn_process(options);
  ASSERT_FALSE(pid.is_ok());
  EXPECT_NE(pid.status().message().find("'true'"), std::string::npos) << pid.status().message();
  EXPECT_NE(pid.status().message().find("missing"), std::string::npos) << pid.status().message();

  options.argv = {};
  EXPECT_FALSE(spawn_process(options).is_ok());
}

TEST_F(ProcessTest, KillsAGroupThatIgnoresSigtermAfterTheGrace) {
  auto pid = spawn_shell("trap '' TERM; sleep 30 & echo $! > sleeper; wait; sleep 30");
  ASSERT_TRUE(pid.is_ok()) << pid.status().message();
  ChildGuard guard(*pid);
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (read_file(path("sleeper")).empty() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_t sleeper = std::stoi(read_file(path("sleeper")));
  GroupKiller killer(io_);
  auto start = Clock::now();
  killer.kill(*pid, Duration(300));
  auto exit = wait_exit(*pid, guard);
  auto took = Clock::now() - start;
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->signal, SIGKILL);
  EXPECT_EQ(exit->exit_code, 137);
  EXPECT_GE(took, std::chrono::milliseconds(300));
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_TRUE(wait_gone(sleeper)) << "the background sleep survived";
}

TEST_F(ProcessTest, SigtermIsEnoughForAPoliteGroup) {
  auto pid = spawn_shell("exec sleep 30");
  ASSERT_TRUE(pid.is_ok()) << pid.status().message();
  ChildGuard guard(*pid);
  GroupKiller killer(io_);
  killer.kill(*pid, Duration(5000));
  auto start = Clock::now();
  auto exit = wait_exit(*pid, guard);
  killer.cancel();
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->signal, SIGTERM);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
}

TEST_F(ProcessTest, WatchGroupKillsWhatTheLeaderLeftBehind) {
  auto pid = spawn_shell("sleep 30 & echo $! > sleeper");
  ASSERT_TRUE(pid.is_ok()) << pid.status().message();
  ChildGuard guard(*pid);
  auto exit = wait_exit(*pid, guard);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->exit_code, 0);
  pid_t sleeper = std::stoi(read_file(path("sleeper")));
  EXPECT_TRUE(wait_gone(sleeper)) << "the background sleep survived its leader";
}

// The loop has nothing to do but wait for the pidfds: run() returns as soon as
// the last child exited, and each callback comes once, in exit order.
TEST_F(ProcessTest, TheWatcherReportsExitsWithoutPolling) {
  auto start = Clock::now();  // before the spawns: the slow child sleeps from its start
  auto slow = spawn_shell("sleep 0.4; exit 2");
  auto fast = spawn_shell("sleep 0.1; exit 1");
  ASSERT_TRUE(slow.is_ok() && fast.is_ok());
  ChildGuard slow_guard(*slow);
  ChildGuard fast_guard(*fast);
  std::vector<int> codes;
  ASSERT_TRUE(watcher_.watch(*slow, [&](const ExitStatus& e) { codes.push_back(e.exit_code); }));
  ASSERT_TRUE(watcher_.watch(*fast, [&](const ExitStatus& e) { codes.push_back(e.exit_code); }));
  EXPECT_EQ(watcher_.size(), 2u);
  size_t handlers = io_.run();  // returns when no work is left: both reaped
  auto took = Clock::now() - start;
  slow_guard.release();
  fast_guard.release();
  EXPECT_EQ(codes, (std::vector<int>{1, 2}));
  EXPECT_GE(took, std::chrono::milliseconds(400));
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_LE(handlers, 4u);  // one wakeup per child (plus a spurious one at most)
  EXPECT_EQ(watcher_.size(), 0u);
}

TEST_F(ProcessTest, AChildThatExitedBeforeTheWatchIsStillReported) {
  auto pid = spawn_shell("exit 7");
  ASSERT_TRUE(pid.is_ok());
  ChildGuard guard(*pid);
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, *pid, &info, WEXITED | WNOWAIT), 0);  // now a zombie
  auto exit = wait_exit(*pid, guard, /*group=*/false);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->exit_code, 7);
}

TEST_F(ProcessTest, OnlyOwnChildrenCanBeWatched) {
  Status watched = watcher_.watch(1, [](const ExitStatus&) {});
  EXPECT_FALSE(watched.is_ok());
  EXPECT_NE(watched.message().find("not a child"), std::string::npos) << watched.message();
}

TEST_F(ProcessTest, ADestroyedWatcherNeverCallsBack) {
  auto pid = spawn_shell("exit 0");
  ASSERT_TRUE(pid.is_ok());
  ChildGuard guard(*pid);
  bool called = false;
  {
    ChildWatcher watcher(io_);
    ASSERT_TRUE(watcher.watch(*pid, [&](const ExitStatus&) { called = true; }));
  }
  io_.run_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(called);
  // The guard reaps it.
}

TEST_F(ProcessTest, WatchesTheExitOfAProcessThatIsNotItsChild) {
  // The shell leaves `sleep` behind: an orphan, no longer this process's child.
  auto shell = spawn_shell("sleep 0.3 & echo $! > orphan; exit 0");
  ASSERT_TRUE(shell.is_ok());
  ChildGuard guard(*shell);
  ASSERT_TRUE(wait_exit(*shell, guard, false).has_value());
  pid_t orphan = 0;
  std::ifstream(path("orphan")) >> orphan;
  ASSERT_GT(orphan, 0);
  auto start = process_start_time(orphan);
  ASSERT_TRUE(start.is_ok()) << start.status().message();
  EXPECT_TRUE(process_alive(orphan, *start));
  EXPECT_FALSE(process_alive(orphan, *start + 1)) << "another start time is another process";
  bool gone = false;
  ASSERT_TRUE(watcher_.watch_exit(orphan, [&] {
    gone = true;
    io_.stop();
  }));
  io_.run_for(std::chrono::seconds(10));
  io_.restart();
  EXPECT_TRUE(gone);
  EXPECT_FALSE(process_alive(orphan, *start));
}

TEST_F(ProcessTest, WatchingTheExitOfAProcessAlreadyGoneCallsBackSoon) {
  bool gone = false;
  ASSERT_TRUE(watcher_.watch_exit(999999999, [&] { gone = true; }));
  io_.run_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(gone);
  EXPECT_FALSE(process_start_time(999999999).is_ok());
  EXPECT_TRUE(process_start_time(::getpid()).is_ok());
}

TEST(ProcessHelpersTest, SetEnvReplacesOrAppends) {
  std::vector<std::string> env{"A=1", "AB=2"};
  set_env(env, "A", "3");
  set_env(env, "C", "");
  EXPECT_EQ(env, (std::vector<std::string>{"A=3", "AB=2", "C="}));
}

TEST(ProcessHelpersTest, SignalNamesAndGroupGuards) {
  EXPECT_EQ(signal_name(SIGKILL), "SIGKILL");
  EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
  EXPECT_FALSE(signal_group(0, SIGTERM).is_ok());
  EXPECT_FALSE(signal_group(1, SIGTERM).is_ok());
  EXPECT_TRUE(child_pids(::getpid()).empty());
}

}  // namespace
}  // namespace clusterctl
