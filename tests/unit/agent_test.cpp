// The Agent against a fake master on loopback, with the real command executor
// (the clusterctl binary of this build) and real tasks: registration,
// ordered and acknowledged status updates, kills, re-registration, shutdown
// and recovery of a checkpointed task by a new agent. Every test shuts the
// agent down and checks that no child process is left.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include "core/asio.hpp"
#include "core/messages.hpp"
#include "core/rpc/rpc.hpp"
#include "daemons/agent/agent.hpp"
#include "tests/support/http_test_server.hpp"

namespace clusterctl {
namespace {

// Answers agent.register and agent.status_update, records them, and (unless
// told not to) acknowledges each update like a framework would.
class FakeMaster {
 public:
  explicit FakeMaster(asio::io_context& io) {
    RpcHandlers handlers;
    handlers.on_request = [this](const RpcConnectionPtr& connection, const RpcMessage& message,
                                 RpcResponder responder) {
      if (message.method == "agent.register") {
        auto call = message.params.as<RegisterAgentCall>();
        ASSERT_TRUE(call.is_ok()) << call.status().message();
        registrations.push_back(*call);
        agent = connection;
        std::string id = call->agent.id.empty() ? "agent-test" : call->agent.id;
        responder.reply(pack_payload(RegisterAgentReply{id, 1000}));
      } else if (message.method == "agent.status_update") {
        auto call = message.params.as<StatusUpdateCall>();
        ASSERT_TRUE(call.is_ok()) << call.status().message();
        updates.push_back(call->status);
        responder.reply(empty_payload());
        if (auto_acknowledge) acknowledge(call->status);
      } else {
        responder.fail(Status::not_found(message.method));
      }
    };
    auto server = rpc_listen(io, "127.0.0.1:0", handlers);
    EXPECT_TRUE(server.is_ok()) << server.status().message();
    if (server) server_ = std::move(server).value();
  }

  std::string address() const { return server_->address(); }

  void acknowledge(const TaskStatus& status) {
    AcknowledgeCall call{status.framework_id, status.agent_id, status.task_id, status.uuid};
    agent->call("agent.acknowledge", pack_payload(call), Duration(10000),
                [](StatusOr<RpcValue>) {});
  }

  std::vector<std::string> states() const {
    std::vector<std::string> out;
    for (const TaskStatus& status : updates) out.push_back(task_state_name(status.state));
    return out;
  }

  std::vector<RegisterAgentCall> registrations;
  std::vector<TaskStatus> updates;
  RpcConnectionPtr agent;
  bool auto_acknowledge = true;

 private:
  std::unique_ptr<RpcServer> server_;
};

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_dir_ = std::filesystem::temp_directory_path() /
                ("agent_test." + std::to_string(::getpid()) + "." +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(work_dir_);
    master_ = std::make_unique<FakeMaster>(io_);
  }

  void TearDown() override {
    if (agent_) {
      bool done = false;
      agent_->shutdown([&] { done = true; });
      run_until([&] { return done; }, "shutdown");
      agent_.reset();
    }
    errno = 0;
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "a child process is left";
    EXPECT_EQ(errno, ECHILD);
    std::filesystem::remove_all(work_dir_);
  }

  void start_agent(const std::string& executor_binary = std::string(CLUSTERCTL_BUILD_DIR) +
                                                        "/bin/clusterctl") {
    size_t registered = master_->registrations.size();
    AgentOptions options;
    options.master = master_->address();
    options.listen = "127.0.0.1:0";
    options.work_dir = work_dir_.string();
    options.resources = "cpus:2;mem:1024";
    options.attributes = "rack:r1";
    options.executor_binary = executor_binary;
    options.executor_shutdown_grace = Duration(3000);
    options.status_update_retry_min = Duration(200);
    auto agent = Agent::create(io_, options);
    ASSERT_TRUE(agent.is_ok()) << agent.status().message();
    agent_ = std::move(agent).value();
    run_until([&] { return master_->registrations.size() > registered; }, "registration");
  }

  // Runs the loop for `duration` (to see that something does not happen).
  void run_for(Duration duration) {
    auto deadline = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < deadline) {
      io_.run_one_for(std::chrono::milliseconds(20));
    }
  }

  // Runs the loop until `done` or 10 s.
  void run_until(const std::function<bool()>& done, const std::string& what) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.run_one_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(done()) << "timed out waiting for " << what;
  }

  StatusOr<RpcValue> call_agent(const std::string& method, const Payload& params) {
    std::optional<StatusOr<RpcValue>> result;
    master_->agent->call(method, params, Duration(10000),
                         [&](StatusOr<RpcValue> reply) { result = std::move(reply); });
    run_until([&] { return result.has_value(); }, method);
    return std::move(*result);
  }

  RunTaskCall task_call(const std::string& task_id, const std::string& command) {
    RunTaskCall call;
    call.framework_id = "fw-1";
    call.framework_name = "test";
    call.executor_id = task_id;
    call.task.task_id = task_id;
    call.task.name = task_id;
    call.task.agent_id = "agent-test";
    call.task.resources = *Resources::parse("cpus:0.1;mem:32");
    call.task.command.value = command;
    return call;
  }

  size_t count_state(const std::string& state) const {
    size_t count = 0;
    for (const TaskStatus& status : master_->updates)
      count += task_state_name(status.state) == state;
    return count;
  }

  bool has_state(const std::string& state) const {
    for (const TaskStatus& status : master_->updates) {
      if (task_state_name(status.state) == state) return true;
    }
    return false;
  }

  std::string runs_dir(const std::string& task_id) const {
    return (work_dir_ / "agents/agent-test/frameworks/fw-1/executors" / task_id / "runs").string();
  }

  std::filesystem::path work_dir_;
  asio::io_context io_;
  std::unique_ptr<FakeMaster> master_;
  std::unique_ptr<Agent> agent_;
};

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST_F(AgentTest, RegistersItsResourcesAndAttributes) {
  start_agent();
  const RegisterAgentCall& call = master_->registrations.at(0);
  EXPECT_EQ(call.agent.id, "");
  EXPECT_EQ(call.agent.address, agent_->address());
  EXPECT_EQ(call.agent.resources.to_string(), "cpus:2;mem:1024");
  EXPECT_EQ(call.agent.attributes.at("rack"), "r1");
  EXPECT_FALSE(call.agent.hostname.empty());
  EXPECT_TRUE(call.tasks.empty());
  EXPECT_TRUE(call_agent("agent.ping", empty_payload()).is_ok());
}

TEST_F(AgentTest, RunsATaskAndForwardsItsUpdatesInOrder) {
  start_agent();
  ASSERT_TRUE(call_agent("agent.run_task", pack_payload(task_call("t1", "echo hi; exit 3"))));
  run_until([&] { return has_state("FAILED"); }, "FAILED");
  EXPECT_EQ(master_->states(), (std::vector<std::string>{"STARTING", "RUNNING", "FAILED"}));
  const TaskStatus& last = master_->updates.back();
  EXPECT_EQ(last.task_id, "t1");
  EXPECT_EQ(last.framework_id, "fw-1");
  EXPECT_EQ(last.agent_id, "agent-test");
  EXPECT_EQ(last.reason, "command exited non-zero");
  EXPECT_EQ(last.exit_code, 3);
  EXPECT_FALSE(last.uuid.empty());
  EXPECT_EQ(read_file(runs_dir("t1") + "/latest/stdout"), "hi\n");
  EXPECT_EQ(read_file(runs_dir("t1") + "/latest/stderr"), "");
}

TEST_F(AgentTest, ReportsALaunchFailureAsAFailedTask) {
  start_agent("/nonexistent/clusterctl");
  // run_task is accepted at once: the container is prepared asynchronously
  // and a failure to launch comes back as the task's FAILED update.
  ASSERT_TRUE(call_agent("agent.run_task", pack_payload(task_call("t1", "true"))));
  run_until([&] { return has_state("FAILED"); }, "FAILED");
  const TaskStatus& failed = master_->updates.back();
  EXPECT_EQ(failed.reason, "container launch failed");
  EXPECT_NE(failed.message.find("/nonexistent/clusterctl"), std::string::npos) << failed.message;
  KillTaskCall kill{"fw-1", "t1", -1};
  run_until(
      [&] {
        return call_agent("agent.kill_task", pack_payload(kill)).status().kind() ==
               ErrorKind::kNotFound;
      },
      "the ended task to be forgotten");
}

// A process that says it is the executor of a container still being prepared
// (its id is in /state and in the sandbox path) is refused: no executor was
// spawned yet, so nothing may register, send the task's updates, or end it.
TEST_F(AgentTest, RefusesAnExecutorRegistrationBeforeTheSpawn) {
  HttpTestServer server;
  HttpTestServer::Route stalled{200, std::string(1000, 'x')};
  stalled.stall_after = 10;  // the prepare (fetch) never completes by itself
  server.add("/artifact", stalled);
  start_agent();
  RunTaskCall call = task_call("t1", "true");
  UriInfo artifact;
  artifact.value = server.url("/artifact");
  call.task.command.uris.push_back(artifact);
  ASSERT_TRUE(call_agent("agent.run_task", pack_payload(call)));
  std::string container_id;
  run_until(
      [&] {
        std::error_code error;
        for (const auto& entry : std::filesystem::directory_iterator(runs_dir("t1"), error)) {
          if (entry.path().filename() != "latest") container_id = entry.path().filename();
        }
        return !container_id.empty();
      },
      "the sandbox");

  std::optional<StatusOr<RpcConnectionPtr>> connected;
  rpc_connect(io_, agent_->address(), RpcHandlers{}, Duration(5000),
              [&](StatusOr<RpcConnectionPtr> connection) { connected = std::move(connection); });
  run_until([&] { return connected.has_value(); }, "a connection to the agent");
  ASSERT_TRUE(connected->is_ok()) << connected->status().message();
  RpcConnectionPtr impostor = connected->value();
  std::optional<StatusOr<RpcValue>> registered;
  impostor->call("executor.register",
                 pack_payload(RegisterExecutorCall{"fw-1", "t1", container_id, 4242, ""}),
                 Duration(5000), [&](StatusOr<RpcValue> reply) { registered = std::move(reply); });
  run_until([&] { return registered.has_value(); }, "the answer to executor.register");
  EXPECT_EQ(registered->status().kind(), ErrorKind::kNotFound) << registered->status().message();

  // The task is still the agent's: a kill ends the prepare, and the task is KILLED.
  ASSERT_TRUE(call_agent("agent.kill_task", pack_payload(KillTaskCall{"fw-1", "t1", -1})));
  run_until([&] { return has_state("KILLED"); }, "KILLED");
  EXPECT_FALSE(has_state("FINISHED"));
  impostor->close("test done");
}

// With a stolen container id, but without the executor's secret (or with a
// wrong one), executor.register is refused; the real executor keeps its task.
TEST_F(AgentTest, RefusesAnExecutorImpostorWhileTheRealOneRuns) {
  start_agent();
  ASSERT_TRUE(call_agent("agent.run_task", pack_payload(task_call("t1", "sleep 60"))));
  run_until([&] { return has_state("RUNNING"); }, "RUNNING");
  std::string container_id = std::filesystem::read_symlink(runs_dir("t1") + "/latest").string();
  std::optional<StatusOr<RpcConnectionPtr>> connected;
  rpc_connect(io_, agent_->address(), RpcHandlers{}, Duration(5000),
              [&](StatusOr<RpcConnectionPtr> connection) { connected = std::move(connection); });
  run_until([&] { return connected.has_value(); }, "a connection to the agent");
  ASSERT_TRUE(connected->is_ok()) << connected->status().message();
  RpcConnectionPtr impostor = connected->value();
  for (const std::string& secret : {std::string(), std::string(64, 'a')}) {
    std::optional<StatusOr<RpcValue>> registered;
    impostor->call("executor.register",
                   pack_payload(RegisterExecutorCall{"fw-1", "t1", container_id, 4242, secret}),
                   Duration(5000),
                   [&](StatusOr<RpcValue> reply) { registered = std::move(reply); });
    run_until([&] { return registered.has_value(); }, "the answer to executor.register");
    EXPECT_EQ(registered->status().kind(), ErrorKind::kPermissionDenied);
    EXPECT_NE(registered->status().message().find(secret.empty() ? "no executor secret"
                                                                 : "wrong executor secret"),
              std::string::npos)
        << registered->status().message();
  }
  // The real executor still has the task: it kills it when asked.
  ASSERT_TRUE(call_agent("agent.kill_task", pack_payload(KillTaskCall{"fw-1", "t1", 1000})));
  run_until([&] { return has_state("KILLED"); }, "KILLED");
  EXPECT_EQ(master_->updates.back().reason, "killed");
  impostor->close("test done");
}

TEST_F(AgentTest, KillsATaskThatIgnoresSigterm) {
  start_agent();
  ASSERT_TRUE(call_agent(
      "agent.run_task",
      pack_payload(task_call("t1", "trap '' TERM; touch ready; sleep 60 & wait; sleep 60"))));
  run_until([&] { return std::filesystem::exists(runs_dir("t1") + "/latest/ready"); }, "trap");
  auto duplicate = call_agent("agent.run_task", pack_payload(task_call("t1", "true")));
  EXPECT_EQ(duplicate.status().kind(), ErrorKind::kAlreadyExists);
  KillTaskCall kill{"fw-1", "t1", 200};
  ASSERT_TRUE(call_agent("agent.kill_task", pack_payload(kill)));
  run_until([&] { return has_state("KILLED"); }, "KILLED");
  EXPECT_EQ(master_->updates.back().reason, "killed");
  EXPECT_EQ(master_->updates.back().exit_code, 137);
}

TEST_F(AgentTest, ReRegistersWithItsIdAndLiveTasks) {
  start_agent();
  ASSERT_TRUE(call_agent("agent.run_task", pack_payload(task_call("t1", "sleep 60"))));
  run_until([&] { return has_state("RUNNING"); }, "RUNNING");
  master_->agent->close("master restarting");
  run_until([&] { return master_->registrations.size() == 2; }, "re-registration");
  const RegisterAgentCall& again = master_->registrations.at(1);
  EXPECT_EQ(again.agent.id, "agent-test");
  ASSERT_EQ(again.tasks.size(), 1u);
  EXPECT_EQ(again.tasks[0].task.task_id, "t1");
  EXPECT_EQ(again.tasks[0].state, TaskState::kRunning);
}

TEST_F(AgentTest, ShutdownKillsTasksAndSendsTheirUpdates) {
  start_agent();
  ASSERT_TRUE(call_agent("agent.run_task", pack_payload(task_call("t1", "sleep 60"))));
  run_until([&] { return has_state("RUNNING"); }, "RUNNING");
  bool done = false;
  agent_->shutdown([&] { done = true; });
  run_until([&] { return done; }, "shutdown");
  agent_.reset();
  EXPECT_EQ(master_->states(), (std::vector<std::string>{"STARTING", "RUNNING", "KILLED"}));
}

TEST_F(AgentTest, SendsATasksNextUpdateOnlyOnceTheLastWasAcknowledged) {
  master_->auto_acknowledge = false;
  start_agent();
  ASSERT_TRUE(call_agent("agent.run_task", pack_payload(task_call("t1", "true"))));
  run_until([&] { return has_state("STARTING"); }, "STARTING");
  run_for(Duration(500));  // long enough to be resent, never long enough to move on
  EXPECT_FALSE(has_state("RUNNING"));
  EXPECT_GE(count_state("STARTING"), 2u) << "an unacknowledged update is sent again";
  for (const TaskStatus& resent : master_->updates) {
    EXPECT_EQ(resent.uuid, master_->updates.front().uuid);
  }
  master_->acknowledge(master_->updates.front());
  master_->acknowledge(master_->updates.front());  // a duplicate is ignored
  run_until([&] { return has_state("RUNNING"); }, "RUNNING");
  master_->auto_acknowledge = true;
  master_->acknowledge(master_->updates.back());
  run_until([&] { return has_state("FINISHED"); }, "FINISHED");
}

TEST_F(AgentTest, ANewAgentRecoversACheckpointedTaskLeftRunning) {
  start_agent();
  RunTaskCall call = task_call("t1", "touch started; while [ ! -e go ]; do sleep 0.05; done");
  call.checkpoint = true;
  ASSERT_TRUE(call_agent("agent.run_task", pack_payload(call)));
  run_until([&] { return has_state("RUNNING"); }, "RUNNING");
  run_until([&] { return std::filesystem::exists(runs_dir("t1") + "/latest/started"); }, "task");
  // The agent process "crashes": gone without a shutdown, its executor left running.
  agent_.reset();
  run_for(Duration(200));
  start_agent();
  const RegisterAgentCall& again = master_->registrations.back();
  EXPECT_EQ(again.agent.id, "agent-test");
  ASSERT_EQ(again.tasks.size(), 1u);
  EXPECT_EQ(again.tasks[0].state, TaskState::kRunning);
  std::ofstream(runs_dir("t1") + "/latest/go").close();
  run_until([&] { return has_state("FINISHED"); }, "FINISHED after recovery");
  EXPECT_EQ(count_state("FINISHED"), 1u);
  // The executor was this test process's child: reap it here.
  bool reaped = false;
  run_until([&] { return reaped = reaped || ::waitpid(-1, nullptr, WNOHANG) > 0; },
            "the executor's exit");
}

}  // namespace
}  // namespace clusterctl
