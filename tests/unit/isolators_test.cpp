// The isolator plugins as the agent loads them (the real .so files of this
// build through daemons/agent/isolator.hpp), on real cgroups with real
// processes: CPU shares and CFS quota in the cgroup files, the memory limit
// and its OOM kill reported as a limitation, a fork bomb held by the pids
// limit, orphans killed by cleanup, recovery of leftovers, the pid
// namespace, and the posix isolators. Each test uses its own cgroups root
// and removes every cgroup it created. They need root and cgroups; without
// them they say so and skip.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "core/asio.hpp"
#include "core/process/process.hpp"
#include "daemons/agent/container_launcher.hpp"
#include "daemons/agent/isolation.hpp"
#include "daemons/agent/isolator.hpp"
#include "plugins/isolators/cgroups/cgroup.hpp"
#include "plugins/isolators/cgroups/cgroup_files.hpp"

namespace clusterctl {
namespace {

namespace fs = std::filesystem;

const std::string kPluginDir = std::string(CLUSTERCTL_BUILD_DIR) + "/lib/clusterctl";

bool wait_until(const std::function<bool()>& done, int seconds = 10) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

bool alive(pid_t pid) {
  return ::kill(pid, 0) == 0;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class IsolatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to create cgroups";
    if (!find_controller_mount("memory").is_ok() || !find_controller_mount("pids").is_ok()) {
      GTEST_SKIP() << "the memory and pids cgroup controllers are not mounted here";
    }
    static int counter = 0;
    root_ = "clusterctl-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
    dir_ = fs::temp_directory_path() / root_;
    fs::create_directories(dir_);
    config_.cgroups_root = root_;
    config_.work_dir = dir_.string();
  }

  void TearDown() override {
    for (pid_t pid : children_) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    isolators_.clear();
    // Every cgroup this test made, in every hierarchy, goes.
    for (const char* controller : {"cpu", "cpuacct", "memory", "pids"}) {
      auto mount = find_controller_mount(controller);
      if (!mount) continue;
      for (const std::string& name : list_cgroups(*mount, root_)) {
        EXPECT_TRUE(Cgroup(*mount, root_, name).destroy().is_ok());
      }
      ::rmdir((mount->path + "/" + root_).c_str());
      EXPECT_FALSE(fs::exists(mount->path + "/" + root_));
    }
    fs::remove_all(dir_);
  }

  Isolator& load(const std::string& entry) {
    auto isolator = Isolator::load(entry, kPluginDir, config_);
    EXPECT_TRUE(isolator.is_ok()) << isolator.status().message();
    isolators_.push_back(std::move(isolator).value());
    return *isolators_.back();
  }

  ContainerInfo container(const std::string& id, const std::string& resources) {
    ContainerInfo info;
    info.container_id = id;
    info.sandbox = dir_.string();
    info.resources = *Resources::parse(resources);
    return info;
  }

  std::string cgroup_dir(const std::string& controller, const std::string& id) {
    return find_controller_mount(controller)->path + "/" + root_ + "/" + id;
  }

  bool v2(const std::string& controller) {
    return find_controller_mount(controller)->version == CgroupVersion::kV2;
  }

  // Starts `script` under /bin/sh once the file "go" exists in the test's
  // directory, so that it can be isolated before it does anything.
  pid_t start(const std::string& script) {
    SpawnOptions options;
    options.argv = {"/bin/sh", "-c", "while [ ! -e go ]; do sleep 0.02; done; " + script};
    options.env = current_environment();
    options.working_dir = dir_.string();
    options.stdout_path = (dir_ / "out").string();
    options.stderr_path = (dir_ / "out").string();
    auto pid = spawn_process(options);
    EXPECT_TRUE(pid.is_ok()) << pid.status().message();
    children_.push_back(*pid);
    return *pid;
  }
  void go() { std::ofstream(dir_ / "go"); }

  // Reaps a child started by start(); its exit.
  ExitStatus reap(pid_t pid) {
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    std::erase(children_, pid);
    ExitStatus exit;
    if (WIFSIGNALED(status)) {
      exit.signal = WTERMSIG(status);
      exit.exit_code = 128 + exit.signal;
    } else {
      exit.exit_code = WEXITSTATUS(status);
    }
    return exit;
  }

  std::string root_;
  fs::path dir_;
  IsolatorConfig config_;
  std::vector<std::unique_ptr<Isolator>> isolators_;
  std::vector<pid_t> children_;
};

TEST_F(IsolatorTest, CpuSharesAlwaysAndAHardQuotaWithCfs) {
  Isolator& shares_only = load("cgroups/cpu");
  ContainerInfo relaxed = container("relaxed", "cpus:0.5;mem:32");
  ASSERT_TRUE(shares_only.prepare(relaxed).is_ok());
  std::string relaxed_dir = cgroup_dir("cpu", "relaxed");
  if (v2("cpu")) {
    EXPECT_EQ(*read_cgroup_number(relaxed_dir + "/cpu.weight"), 20);
    EXPECT_EQ(*read_cgroup_number(relaxed_dir + "/cpu.max"), -1);  // "max"
  } else {
    EXPECT_EQ(*read_cgroup_number(relaxed_dir + "/cpu.shares"), 512);
    EXPECT_EQ(*read_cgroup_number(relaxed_dir + "/cpu.cfs_quota_us"), -1);
  }
  ASSERT_TRUE(shares_only.cleanup(relaxed).is_ok());
  EXPECT_FALSE(fs::exists(relaxed_dir));

  config_.enable_cfs = true;
  Isolator& cfs = load("cgroups/cpu");
  ContainerInfo capped = container("capped", "cpus:0.5;mem:32");
  ASSERT_TRUE(cfs.prepare(capped).is_ok());
  std::string capped_dir = cgroup_dir("cpu", "capped");
  if (v2("cpu")) {
    EXPECT_EQ(read_text(capped_dir + "/cpu.max"), "50000 100000\n");
  } else {
    EXPECT_EQ(*read_cgroup_number(capped_dir + "/cpu.cfs_quota_us"), 50000);
    EXPECT_EQ(*read_cgroup_number(capped_dir + "/cpu.cfs_period_us"), 100000);
  }
  // A busy loop held to half a CPU.
  pid_t busy = start("while :; do :; done");
  ASSERT_TRUE(cfs.isolate(capped, busy).is_ok());
  go();
  auto started = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  auto used = cfs.usage(capped);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_TRUE(used.is_ok()) << used.status().message();
  EXPECT_GT((*used)["cpu_seconds"], 0.02);  // some CPU, even on a busy machine
  EXPECT_LT((*used)["cpu_seconds"], 0.5 * wall + 0.15) << "the quota holds it to half a CPU";
  EXPECT_GT((*used)["cpu_throttled_seconds"], 0.0);
  ASSERT_TRUE(cfs.cleanup(capped).is_ok());
  EXPECT_EQ(reap(busy).signal, SIGKILL);
  EXPECT_FALSE(fs::exists(capped_dir));
}

TEST_F(IsolatorTest, MemoryLimitKillIsReportedAsALimitation) {
  Isolator& memory = load("cgroups/mem");
  ContainerInfo info = container("hungry", "cpus:0.1;mem:32");
  ASSERT_TRUE(memory.prepare(info).is_ok());
  std::string dir = cgroup_dir("memory", "hungry");
  // The task's 32 MB and its executor's reserve.
  EXPECT_EQ(*read_cgroup_number(dir + (v2("memory") ? "/memory.max" : "/memory.limit_in_bytes")),
            (32 + kExecutorMemoryReserveMb) << 20);
  int watch = memory.watch(info);
  ASSERT_GE(watch, 0);
  pid_t pid =
      start("exec /usr/bin/python3 -c 'x = bytearray(100 << 20); import time; time.sleep(30)'");
  ASSERT_TRUE(memory.isolate(info, pid).is_ok());
  auto within = memory.limitation(info);
  ASSERT_TRUE(within.is_ok());
  EXPECT_FALSE(within->has_value()) << "no limit hit yet";
  go();
  pollfd readable{watch, POLLIN, 0};
  ASSERT_EQ(::poll(&readable, 1, 10000), 1) << "the OOM kill is told without polling";
  EXPECT_EQ(reap(pid).signal, SIGKILL);
  auto limited = memory.limitation(info);
  ASSERT_TRUE(limited.is_ok()) << limited.status().message();
  ASSERT_TRUE(limited->has_value());
  EXPECT_EQ((*limited)->reason, "memory limit exceeded");
  EXPECT_NE((*limited)->message.find("memory limit of 32.0 MB"), std::string::npos)
      << (*limited)->message;
  auto used = memory.usage(info);
  ASSERT_TRUE(used.is_ok());
  EXPECT_EQ((*used)["mem_limit_bytes"], 32 << 20);
  EXPECT_GT((*used)["mem_peak_bytes"], 16 << 20);
  ASSERT_TRUE(memory.cleanup(info).is_ok());
  EXPECT_FALSE(fs::exists(dir));
}

TEST_F(IsolatorTest, PidsLimitStopsAForkBomb) {
  Isolator& pids = load("cgroups/pids");
  ContainerInfo info = container("bomb", "cpus:0.1;mem:32;pids:10");
  ASSERT_TRUE(pids.prepare(info).is_ok());
  std::string dir = cgroup_dir("pids", "bomb");
  EXPECT_EQ(*read_cgroup_number(dir + "/pids.max"), 10);
  pid_t pid = start("bomb() { bomb | bomb & }; bomb; sleep 30");
  ASSERT_TRUE(pids.isolate(info, pid).is_ok());
  go();
  ASSERT_TRUE(wait_until([&] {
    auto events = Cgroup(*find_controller_mount("pids"), root_, "bomb").read_keyed("pids.events");
    return events.is_ok() && (*events)["max"] > 0;
  })) << "the bomb never reached the limit";
  auto used = pids.usage(info);
  ASSERT_TRUE(used.is_ok());
  EXPECT_LE((*used)["pids"], 10);
  EXPECT_EQ((*used)["pids_limit"], 10);
  ASSERT_TRUE(pids.cleanup(info).is_ok());
  reap(pid);
  EXPECT_FALSE(fs::exists(dir));

  config_.pids_limit = 7;  // the agent's default when the task does not ask
  Isolator& defaulted = load("cgroups/pids");
  ContainerInfo plain = container("plain", "cpus:0.1;mem:32");
  ASSERT_TRUE(defaulted.prepare(plain).is_ok());
  EXPECT_EQ(*read_cgroup_number(cgroup_dir("pids", "plain") + "/pids.max"), 7);
  ASSERT_TRUE(defaulted.cleanup(plain).is_ok());
}

TEST_F(IsolatorTest, CleanupKillsEveryProcessLeftInTheContainer) {
  Isolator& pids = load("cgroups/pids");
  ContainerInfo info = container("orphans", "cpus:0.1;mem:32");
  ASSERT_TRUE(pids.prepare(info).is_ok());
  // The task detaches a daemon into a session of its own and exits.
  pid_t pid = start("setsid sleep 300 & echo $! > daemon.pid");
  ASSERT_TRUE(pids.isolate(info, pid).is_ok());
  go();
  EXPECT_EQ(reap(pid).exit_code, 0);
  ASSERT_TRUE(wait_until([&] { return !read_text(dir_ / "daemon.pid").empty(); }));
  pid_t daemon = std::stoi(read_text(dir_ / "daemon.pid"));
  ASSERT_TRUE(alive(daemon));
  ASSERT_TRUE(pids.cleanup(info).is_ok());
  EXPECT_TRUE(wait_until([&] { return !alive(daemon); })) << "the orphan survived";
  EXPECT_FALSE(fs::exists(cgroup_dir("pids", "orphans")));
  EXPECT_TRUE(pids.cleanup(info).is_ok()) << "cleanup is idempotent";
}

TEST_F(IsolatorTest, RecoverKeepsKnownContainersAndDestroysTheRest) {
  Isolator& memory = load("cgroups/mem");
  ContainerInfo kept = container("kept", "cpus:0.1;mem:32");
  ContainerInfo left = container("left-behind", "cpus:0.1;mem:32");
  ASSERT_TRUE(memory.prepare(kept).is_ok());
  ASSERT_TRUE(memory.prepare(left).is_ok());
  pid_t stray = start("sleep 300");
  ASSERT_TRUE(memory.isolate(left, stray).is_ok());
  // A new agent instance recovers with only `kept` still running.
  Isolator& restarted = load("cgroups/mem");
  ASSERT_TRUE(restarted.recover({kept}).is_ok());
  EXPECT_TRUE(fs::exists(cgroup_dir("memory", "kept")));
  EXPECT_FALSE(fs::exists(cgroup_dir("memory", "left-behind")));
  EXPECT_EQ(reap(stray).signal, SIGKILL);
  ASSERT_TRUE(restarted.cleanup(kept).is_ok());
}

TEST_F(IsolatorTest, PidNamespaceShowsTheTaskOnlyItsOwnProcesses) {
  Isolator& namespaces = load("namespaces/pid");
  ContainerInfo info = container("ns", "cpus:0.1;mem:32");
  auto launch = namespaces.prepare(info);
  ASSERT_TRUE(launch.is_ok());
  EXPECT_EQ(launch->namespaces, (std::vector<std::string>{"pid"}));
  pid_t outside = start("sleep 300");  // not in the namespace
  ContainerConfig config;
  config.sandbox = dir_.string();
  config.log_path = (dir_ / "ns.out").string();
  config.env = current_environment();
  config.argv = {"/bin/sh", "-c",
                 "echo pid=$$; ls /proc | grep -c '^[0-9]'; kill -0 " + std::to_string(outside) +
                     " 2>/dev/null && echo can-signal || echo cannot-signal; kill -9 " +
                     std::to_string(::getpid()) + " 2>/dev/null; echo done"};
  auto pid = ContainerLauncher().spawn(config, *launch);
  ASSERT_TRUE(pid.is_ok()) << pid.status().message();
  children_.push_back(*pid);
  EXPECT_EQ(reap(*pid).exit_code, 0);
  std::istringstream lines(read_text(dir_ / "ns.out"));
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "pid=1");
  std::getline(lines, line);
  EXPECT_LE(std::stoi(line), 3) << "the task's /proc lists only its own processes";
  std::getline(lines, line);
  EXPECT_EQ(line, "cannot-signal");
  EXPECT_TRUE(alive(outside));
}

TEST_F(IsolatorTest, PosixIsolatorsMeasureFromProc) {
  Isolator& memory = load("posix/mem");
  Isolator& cpu = load("posix/cpu");
  ContainerInfo info = container("posix", "cpus:0.1;mem:16");
  pid_t pid = start(
      "/usr/bin/python3 -c 'import time\nx = bytearray(64 << 20)\nt = time.process_time()\n"
      "while time.process_time() - t < 0.3: pass\ntime.sleep(30)'; true");
  info.pid = pid;
  go();
  ASSERT_TRUE(wait_until([&] {
    auto limited = memory.limitation(info);
    return limited.is_ok() && limited->has_value();
  })) << "posix/mem never saw the task over 16 MB";
  auto limited = memory.limitation(info);
  EXPECT_EQ((*limited)->reason, "memory limit exceeded");
  EXPECT_NE((*limited)->message.find("over its memory limit of 16.0 MB"), std::string::npos)
      << (*limited)->message;
  auto used = memory.usage(info);
  ASSERT_TRUE(used.is_ok());
  EXPECT_GT((*used)["mem_rss_bytes"], 16 << 20);
  EXPECT_GT((*used)["mem_usage_bytes"], 16 << 20);
  EXPECT_GE((*used)["mem_peak_bytes"], (*used)["mem_usage_bytes"]);
  ASSERT_TRUE(wait_until([&] { return cpu.usage(info)->at("cpu_seconds") >= 0.2; }))
      << "posix/cpu does not see the busy loop";
  auto cpu_used = cpu.usage(info);
  EXPECT_GE((*cpu_used)["pids"], 2);
}

// What posix_spawn's child holds between vfork and exec is its parent's
// memory (the executor's, when it starts its task): posix/mem must not count
// it against the task. Here the test process is the "executor", with 64 MB
// resident, and its child shares that address space (CLONE_VM) until told to
// go.
// ThreadSanitizer cannot follow a raw clone(CLONE_VM): its runtime aborts in
// the parent and leaves the child waiting. The normal and ASan trees run it.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CLUSTERCTL_TSAN 1
#endif
#endif

TEST_F(IsolatorTest, PosixMemDoesNotCountTheMemoryAChildSharesWithItsParent) {
#ifdef CLUSTERCTL_TSAN
  GTEST_SKIP() << "ThreadSanitizer does not support clone(CLONE_VM)";
#endif
  Isolator& memory = load("posix/mem");
  std::vector<char> resident(64 << 20, 1);
  int go[2];
  ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);
  std::vector<char> stack(256 << 10);
  pid_t child = ::clone(
      [](void* fd) -> int {
        // Never outlive the test if it dies before it says go.
        ::syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        char byte;
        return ::syscall(SYS_read, *static_cast<int*>(fd), &byte, 1) == 1 ? 0 : 1;
      },
      stack.data() + stack.size(), CLONE_VM | SIGCHLD, &go[0]);
  ASSERT_GT(child, 0);
  children_.push_back(child);
  ContainerInfo info = container("shared", "cpus:0.1;mem:16");
  info.pid = ::getpid();
  auto used = memory.usage(info);
  ASSERT_TRUE(used.is_ok());
  EXPECT_LT((*used)["mem_rss_bytes"], 16 << 20) << "the parent's memory was counted";
  EXPECT_LT((*used)["mem_usage_bytes"], 16 << 20);
  auto limited = memory.limitation(info);
  ASSERT_TRUE(limited.is_ok());
  EXPECT_FALSE(limited->has_value()) << (*limited)->message;
  ASSERT_EQ(::write(go[1], "g", 1), 1);
  EXPECT_EQ(reap(child).exit_code, 0);
  ::close(go[0]);
  ::close(go[1]);
  EXPECT_EQ(resident[12345], 1);
}

TEST_F(IsolatorTest, RlimitsApplyToTheExecutorAndWhatItStarts) {
  Isolator& rlimits = load("posix/rlimits");
  ContainerInfo info = container("limits", "cpus:0.1;mem:32");
  info.rlimits = {{"nofile", "123:456"}, {"core", "0"}};
  ASSERT_TRUE(rlimits.prepare(info).is_ok());
  pid_t pid = start("sh -c 'ulimit -n; ulimit -Hn' > limits.out");
  ASSERT_TRUE(rlimits.isolate(info, pid).is_ok());
  go();
  reap(pid);
  EXPECT_EQ(read_text(dir_ / "limits.out"), "123\n456\n");
  info.rlimits = {{"nofiles", "1"}};
  auto bad = rlimits.prepare(info);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("unknown resource limit 'nofiles'"), std::string::npos);
}

TEST_F(IsolatorTest, LoadErrorsNameThePlugin) {
  auto missing = Isolator::load("cgroups/nope", kPluginDir, config_);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("isolator 'cgroups/nope' cannot be loaded"),
            std::string::npos);
  EXPECT_NE(missing.status().message().find("isolator_cgroups_nope.so"), std::string::npos);
  auto wrong_kind = Isolator::load(kPluginDir + "/allocator_first_fit.so", kPluginDir, config_);
  ASSERT_FALSE(wrong_kind.is_ok());
  EXPECT_NE(wrong_kind.status().message().find("is an allocator plugin"), std::string::npos)
      << wrong_kind.status().message();
}

// ---- Isolation: the agent's hook over all isolators, on its event loop ----

class IsolationHookTest : public IsolatorTest {
 protected:
  std::unique_ptr<Isolation> make(std::vector<std::string> entries) {
    IsolationOptions options;
    options.entries = std::move(entries);
    options.plugin_dir = kPluginDir;
    options.config = config_;
    return std::make_unique<Isolation>(io_, options);
  }

  ContainerConfig config_for(const std::string& id, const std::string& resources) {
    ContainerConfig config;
    config.container_id = id;
    config.sandbox = dir_.string();
    config.task.resources = *Resources::parse(resources);
    return config;
  }

  // Runs the loop until `done`; plugin calls finish on other threads.
  void run_until(const std::function<bool()>& done) {
    if (io_.stopped()) io_.restart();  // it stops whenever it runs out of work
    auto busy = asio::make_work_guard(io_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.run_one_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(done());
  }

  StatusOr<LaunchRequirements> prepare(Isolation& isolation, const ContainerConfig& config) {
    std::optional<StatusOr<LaunchRequirements>> result;
    isolation.prepare(config, [&](StatusOr<LaunchRequirements> r) { result = std::move(r); });
    run_until([&] { return result.has_value(); });
    return *result;
  }

  asio::io_context io_;
};

TEST_F(IsolationHookTest, IsolatesMeasuresAndReportsAMemoryKill) {
  auto isolation = make({"cgroups/mem", "cgroups/pids"});
  ASSERT_TRUE(isolation->load_status().is_ok());
  std::optional<ContainerLimitation> limited;
  isolation->set_limitation_handler(
      [&](const std::string& id, const ContainerLimitation& limitation) {
        EXPECT_EQ(id, "hook");
        limited = limitation;
      });
  ContainerConfig config = config_for("hook", "cpus:0.1;mem:32");
  ASSERT_TRUE(prepare(*isolation, config).is_ok());
  pid_t pid =
      start("exec /usr/bin/python3 -c 'x = bytearray(100 << 20); import time; time.sleep(30)'");
  std::optional<Status> isolated;
  isolation->isolate(config, pid, [&](Status status) { isolated = status; });
  run_until([&] { return isolated.has_value(); });
  ASSERT_TRUE(isolated->is_ok()) << isolated->message();
  std::optional<TaskUsage> usage;
  isolation->check("hook", [&](std::optional<TaskUsage> measured,
                               std::optional<ContainerLimitation>) { usage = measured; });
  run_until([&] { return usage.has_value(); });
  EXPECT_EQ(usage->mem_limit_bytes, 32 << 20);
  EXPECT_GE(usage->pids, 1);
  go();
  run_until([&] { return limited.has_value(); });  // told by the eventfd, not by check()
  EXPECT_EQ(limited->reason, "memory limit exceeded");
  EXPECT_EQ(reap(pid).signal, SIGKILL);
  std::optional<Status> cleaned;
  isolation->cleanup(config, [&](Status status) { cleaned = status; });
  run_until([&] { return cleaned.has_value(); });
  EXPECT_TRUE(cleaned->is_ok()) << cleaned->message();
  EXPECT_FALSE(fs::exists(cgroup_dir("memory", "hook")));
}

TEST_F(IsolationHookTest, APluginThatDidNotLoadFailsEveryTaskWithItsError) {
  auto isolation = make({"cgroups/mem", "nonexistent/x"});
  EXPECT_FALSE(isolation->load_status().is_ok());
  EXPECT_EQ(isolation->loaded(), (std::vector<std::string>{"cgroups/mem"}));
  auto prepared = prepare(*isolation, config_for("t", "cpus:0.1;mem:32"));
  ASSERT_FALSE(prepared.is_ok());
  EXPECT_NE(prepared.status().message().find("isolator 'nonexistent/x' cannot be loaded"),
            std::string::npos)
      << prepared.status().message();

  auto without_rlimits = make({"cgroups/mem"});
  ContainerConfig limited = config_for("r", "cpus:0.1;mem:32");
  limited.task.command.rlimits["nofile"] = "64";
  auto refused = prepare(*without_rlimits, limited);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("posix/rlimits"), std::string::npos);
}

TEST_F(IsolationHookTest, PreparesWaitForRecoveryToFinish) {
  Isolator& previous_agent = load("cgroups/mem");
  ASSERT_TRUE(previous_agent.prepare(container("stale", "cpus:0.1;mem:32")).is_ok());
  auto isolation = make({"cgroups/mem"});
  std::optional<Status> recovered;
  isolation->recover({}, [&](Status status) { recovered = status; });
  // Asked at once, this prepare must not be undone by the recovery.
  auto prepared = prepare(*isolation, config_for("fresh", "cpus:0.1;mem:32"));
  ASSERT_TRUE(prepared.is_ok());
  ASSERT_TRUE(recovered.has_value() && recovered->is_ok());
  EXPECT_FALSE(fs::exists(cgroup_dir("memory", "stale")));
  EXPECT_TRUE(fs::exists(cgroup_dir("memory", "fresh")));
}

TEST_F(IsolatorTest, CgroupV2MemoryLimit) {
  auto mount = find_controller_mount("memory");
  if (!mount || mount->version != CgroupVersion::kV2) {
    GTEST_SKIP() << "memory is not on cgroup v2 here (the v1 paths run instead)";
  }
  Isolator& memory = load("cgroups/mem");
  ContainerInfo info = container("v2", "cpus:0.1;mem:48");
  ASSERT_TRUE(memory.prepare(info).is_ok());
  std::string dir = cgroup_dir("memory", "v2");
  EXPECT_EQ(*read_cgroup_number(dir + "/memory.max"), (48 + kExecutorMemoryReserveMb) << 20);
  if (fs::exists(dir + "/memory.oom.group")) {
    EXPECT_EQ(*read_cgroup_number(dir + "/memory.oom.group"), 1);
  }
  ASSERT_TRUE(memory.cleanup(info).is_ok());
}

}  // namespace
}  // namespace clusterctl
