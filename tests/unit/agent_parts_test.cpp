// The agent's and the command executor's pure parts: sandbox paths and the
// latest link, resource detection, the container launch hooks, and what a
// task's command becomes.
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "daemons/agent/container_launcher.hpp"
#include "daemons/agent/resource_detection.hpp"
#include "daemons/agent/sandbox.hpp"
#include "daemons/executor/task_command.hpp"

namespace clusterctl {
namespace {

std::filesystem::path fresh_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("agent_parts_test." + std::to_string(::getpid()) + "." + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// ---- Sandboxes ----

TEST(SandboxTest, PathsFollowTheOnDiskLayout) {
  SandboxId id{"agent-1", "fw-1", "exec-1", "container-1"};
  EXPECT_EQ(sandbox_runs_dir("/w", id), "/w/agents/agent-1/frameworks/fw-1/executors/exec-1/runs");
  EXPECT_EQ(sandbox_dir("/w", id),
            "/w/agents/agent-1/frameworks/fw-1/executors/exec-1/runs/container-1");
}

TEST(SandboxTest, CreatesTheSandboxAndPointsLatestAtTheNewestRun) {
  auto work = fresh_dir("sandbox");
  SandboxId first{"agent-1", "fw-1", "exec-1", "container-a"};
  auto dir = create_sandbox(work.string(), first);
  ASSERT_TRUE(dir.is_ok()) << dir.status().message();
  EXPECT_TRUE(std::filesystem::is_directory(*dir));
  std::string latest = sandbox_runs_dir(work.string(), first) + "/latest";
  EXPECT_EQ(std::filesystem::read_symlink(latest), "container-a");

  SandboxId second = first;
  second.container_id = "container-b";
  ASSERT_TRUE(create_sandbox(work.string(), second).is_ok());
  EXPECT_EQ(std::filesystem::read_symlink(latest), "container-b");
  EXPECT_TRUE(std::filesystem::is_directory(sandbox_dir(work.string(), first)));
  // Only the two runs and the link: no temporary link is left behind.
  EXPECT_EQ(
      std::distance(std::filesystem::directory_iterator(sandbox_runs_dir(work.string(), first)),
                    std::filesystem::directory_iterator()),
      3);
  std::filesystem::remove_all(work);
}

TEST(SandboxTest, RefusesIdsThatWouldLeaveTheWorkDir) {
  auto work = fresh_dir("sandbox_ids");
  for (SandboxId id : {SandboxId{"agent-1", "..", "e", "c"}, SandboxId{"agent-1", "f", "a/b", "c"},
                       SandboxId{"", "f", "e", "c"}, SandboxId{"agent-1", "f", "e", "latest"}}) {
    auto dir = create_sandbox(work.string(), id);
    EXPECT_FALSE(dir.is_ok()) << *dir;
  }
  EXPECT_TRUE(std::filesystem::is_empty(work));
  std::filesystem::remove_all(work);
}

// ---- Resource detection ----

TEST(ResourceDetectionTest, ReadsMemTotal) {
  auto mb = meminfo_total_mb("MemFree:  100 kB\nMemTotal:       16314544 kB\n");
  ASSERT_TRUE(mb.is_ok());
  EXPECT_EQ(*mb, 15932u);
  EXPECT_FALSE(meminfo_total_mb("MemFree: 1 kB\n").is_ok());
}

TEST(ResourceDetectionTest, ReservesAQuarterUpToOneGigabyte) {
  EXPECT_EQ(after_reserve_mb(16384), 15360u);
  EXPECT_EQ(after_reserve_mb(2048), 1536u);
  EXPECT_EQ(after_reserve_mb(0), 0u);
}

TEST(ResourceDetectionTest, DetectsThisMachine) {
  auto work = fresh_dir("detect");
  auto resources = detect_resources(work.string());
  ASSERT_TRUE(resources.is_ok()) << resources.status().message();
  cpu_set_t set;
  ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  EXPECT_EQ(resources->scalar("cpus"), CPU_COUNT(&set));
  EXPECT_GT(resources->scalar("mem"), 0);
  EXPECT_GT(resources->scalar("disk"), 0);
  EXPECT_NE(resources->to_string().find("ports:[31000-32000]"), std::string::npos);
  EXPECT_FALSE(detect_resources((work / "missing").string()).is_ok());
  std::filesystem::remove_all(work);
}

// ---- Container launch hooks ----

// Records the calls; `fail_prepare` makes its prepare fail. Answers at once
// (the launcher must not care whether a hook answers before returning).
class RecordingHook : public ContainerHook {
 public:
  RecordingHook(std::string name, std::vector<std::string>* log, bool fail_prepare = false)
      : name_(std::move(name)), log_(log), fail_prepare_(fail_prepare) {}
  std::string name() const override { return name_; }
  std::string failure_reason() const override { return name_ + " failed"; }
  void prepare(const ContainerConfig&, PrepareDone done) override {
    log_->push_back("prepare " + name_);
    if (fail_prepare_) {
      done(Status::io_error("no artifact"));
      return;
    }
    LaunchRequirements launch;
    launch.environment[name_] = "prepared";
    done(launch);
  }
  void isolate(const ContainerConfig&, pid_t, Done done) override {
    log_->push_back("isolate " + name_);
    done(Status::ok());
  }
  void cleanup(const ContainerConfig&, Done done) override {
    log_->push_back("cleanup " + name_);
    done(Status::ok());
  }
  void cancel(const std::string& container_id) override {
    log_->push_back("cancel " + name_ + " " + container_id);
  }

 private:
  std::string name_;
  std::vector<std::string>* log_;
  bool fail_prepare_;
};

TEST(ContainerLauncherTest, RunsHooksInOrderAndCleansUpInReverse) {
  std::vector<std::string> log;
  ContainerLauncher launcher({std::make_shared<RecordingHook>("isolators", &log),
                              std::make_shared<RecordingHook>("fetcher", &log)});
  ContainerConfig config;
  std::optional<PrepareResult> prepared;
  launcher.prepare(config, [&](PrepareResult result) { prepared = std::move(result); });
  ASSERT_TRUE(prepared && prepared->launch.is_ok());
  // Every hook's launch requirements are merged.
  EXPECT_EQ(
      prepared->launch->environment,
      (std::map<std::string, std::string>{{"fetcher", "prepared"}, {"isolators", "prepared"}}));
  std::optional<Status> isolated;
  launcher.isolate(config, 1, [&](Status status) { isolated = status; });
  ASSERT_TRUE(isolated && isolated->is_ok());
  bool cleaned = false;
  launcher.cleanup(config, [&] { cleaned = true; });
  EXPECT_TRUE(cleaned);
  EXPECT_EQ(log,
            (std::vector<std::string>{"prepare isolators", "prepare fetcher", "isolate isolators",
                                      "isolate fetcher", "cleanup fetcher", "cleanup isolators"}));
}

TEST(ContainerLauncherTest, TheFirstFailingPrepareStopsTheLaunchWithItsReason) {
  std::vector<std::string> log;
  ContainerLauncher launcher({std::make_shared<RecordingHook>("fetcher", &log, true),
                              std::make_shared<RecordingHook>("isolators", &log)});
  std::optional<PrepareResult> prepared;
  launcher.prepare(ContainerConfig{}, [&](PrepareResult result) { prepared = std::move(result); });
  ASSERT_TRUE(prepared.has_value());
  ASSERT_FALSE(prepared->launch.is_ok());
  EXPECT_EQ(prepared->launch.status().message(), "no artifact");
  EXPECT_EQ(prepared->launch.status().kind(), ErrorKind::kIoError);
  EXPECT_EQ(prepared->failure_reason, "fetcher failed");
  EXPECT_EQ(log, (std::vector<std::string>{"prepare fetcher"}));
  launcher.cancel("container-1");
  EXPECT_EQ(log.back(), "cancel isolators container-1");
}

// Answers its prepare only when the test says so (as a hook working off the loop).
class DeferredHook : public RecordingHook {
 public:
  using RecordingHook::RecordingHook;
  void prepare(const ContainerConfig& config, PrepareDone done) override {
    RecordingHook::prepare(config, [this, done](StatusOr<LaunchRequirements> prepared) {
      pending_ = [done, prepared] { done(prepared); };
    });
  }
  // Answers the prepare; the answer holds the launcher's continuation, which
  // holds this hook: let go of it before calling, or the two keep each other.
  void finish() {
    auto pending = std::move(pending_);
    pending_ = nullptr;
    pending();
  }

 private:
  std::function<void()> pending_;
};

TEST(ContainerLauncherTest, ACancelDuringOneHookStopsTheHooksAfterIt) {
  std::vector<std::string> log;
  auto isolators = std::make_shared<DeferredHook>("isolators", &log);
  ContainerLauncher launcher({isolators, std::make_shared<RecordingHook>("fetcher", &log)});
  ContainerConfig config;
  config.container_id = "container-1";
  std::optional<PrepareResult> prepared;
  launcher.prepare(config, [&](PrepareResult result) { prepared = std::move(result); });
  launcher.cancel("container-1");  // while the isolators prepare
  isolators->finish();
  ASSERT_TRUE(prepared.has_value());
  ASSERT_FALSE(prepared->launch.is_ok());
  EXPECT_NE(prepared->launch.status().message().find("cancelled before fetcher"), std::string::npos)
      << prepared->launch.status().message();
  EXPECT_EQ(log, (std::vector<std::string>{"prepare isolators", "cancel isolators container-1",
                                           "cancel fetcher container-1"}));
  // A later launch of another container is not affected by that cancel.
  config.container_id = "container-2";
  prepared.reset();
  launcher.prepare(config, [&](PrepareResult result) { prepared = std::move(result); });
  isolators->finish();
  ASSERT_TRUE(prepared && prepared->launch.is_ok());
}

TEST(ContainerLauncherTest, SpawnsWithTheEnvironmentHooksAskedFor) {
  auto dir = fresh_dir("launcher_env");
  ContainerLauncher launcher;
  ContainerConfig config;
  config.sandbox = dir.string();
  config.log_path = (dir / "out").string();
  config.argv = {"/bin/sh", "-c", "echo \"$FROM_HOOK\""};
  LaunchRequirements launch;
  launch.environment["FROM_HOOK"] = "hello";
  auto pid = launcher.spawn(config, launch);
  ASSERT_TRUE(pid.is_ok()) << pid.status().message();
  int status = 0;
  ASSERT_EQ(::waitpid(*pid, &status, 0), *pid);
  std::ifstream out(dir / "out");
  std::string line;
  std::getline(out, line);
  EXPECT_EQ(line, "hello");
  launch.namespaces = {"network"};
  EXPECT_FALSE(launcher.spawn(config, launch).is_ok());
  std::filesystem::remove_all(dir);
}

// ---- The command executor's task command ----

TEST(TaskCommandTest, ShellOrArgv) {
  CommandInfo command;
  command.value = "echo $HOME";
  EXPECT_EQ(task_argv(command), (std::vector<std::string>{"/bin/sh", "-c", "echo $HOME"}));
  command.shell = false;
  command.value = "/bin/echo";
  command.arguments = {"a;b", "$HOME"};
  EXPECT_EQ(task_argv(command), (std::vector<std::string>{"/bin/echo", "a;b", "$HOME"}));
}

TEST(TaskCommandTest, EnvironmentLayers) {
  TaskInfo task;
  task.task_id = "t1";
  task.agent_id = "agent-1";
  task.command.environment = {
      {"PATH", "/opt/bin"}, {"GREETING", "hola"}, {"CLUSTERCTL_TASK_ID", "spoofed"}};
  auto env = task_environment({"PATH=/usr/bin", "HOME=/root"}, task, "fw-1", "/sandbox");
  EXPECT_EQ(env, (std::vector<std::string>{"PATH=/opt/bin", "HOME=/root", "CLUSTERCTL_TASK_ID=t1",
                                           "GREETING=hola", "CLUSTERCTL_SANDBOX=/sandbox",
                                           "CLUSTERCTL_FRAMEWORK_ID=fw-1",
                                           "CLUSTERCTL_AGENT_ID=agent-1"}));
}

TEST(TaskCommandTest, OutcomeOfAnExit) {
  ExitStatus ok;
  EXPECT_EQ(task_outcome(ok, false).state, TaskState::kFinished);
  ExitStatus three{3, 0};
  TaskOutcome failed = task_outcome(three, false);
  EXPECT_EQ(failed.state, TaskState::kFailed);
  EXPECT_EQ(failed.reason, "command exited non-zero");
  EXPECT_EQ(failed.message, "exited with status 3");
  ExitStatus killed{137, 9};
  EXPECT_EQ(task_outcome(killed, false).reason, "command killed by signal");
  TaskOutcome requested = task_outcome(killed, true);
  EXPECT_EQ(requested.state, TaskState::kKilled);
  EXPECT_EQ(requested.reason, "killed");
  EXPECT_EQ(task_outcome(ok, true).state, TaskState::kKilled);
}

}  // namespace
}  // namespace clusterctl
