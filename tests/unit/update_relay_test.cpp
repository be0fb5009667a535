// The master's UpdateRelay with fake links (no sockets): updates passed on
// once per framework connection, resent when the framework comes back,
// exactly one terminal update per task at the framework, acknowledgements
// relayed to the agent, and updates of unknown tasks or gone frameworks
// acknowledged and dropped.
#include "daemons/master/update_relay.hpp"

#include <gtest/gtest.h>

#include "core/task_status.hpp"

namespace clusterctl {
namespace {

class UpdateRelayTest : public ::testing::Test {
 protected:
  UpdateRelayTest() : relay_(links()) {}

  UpdateRelay::Links links() {
    UpdateRelay::Links links;
    links.framework_connection = [this](const std::string&) { return connection_; };
    links.send = [this](const std::string& framework_id, const TaskStatus& status) {
      sent_.push_back({framework_id, status});
    };
    links.acknowledge = [this](const std::string& agent_id, const TaskStatus& status) {
      acknowledged_.push_back({agent_id, status});
    };
    return links;
  }

  static TaskStatus update(const std::string& task, TaskState state) {
    return make_task_status({task, "fw", "agent-1", task}, state, "", "");
  }

  std::vector<std::string> sent_states() const {
    std::vector<std::string> states;
    for (const auto& [framework, status] : sent_) {
      states.push_back(status.task_id + ":" + task_state_name(status.state));
    }
    return states;
  }

  std::optional<uint64_t> connection_ = 7;  // the framework is connected on connection 7
  std::vector<std::pair<std::string, TaskStatus>> sent_;
  std::vector<std::pair<std::string, TaskStatus>> acknowledged_;
  UpdateRelay relay_;
};

TEST_F(UpdateRelayTest, PassesAnUpdateOnAndRelaysTheFrameworksAcknowledgement) {
  relay_.track("fw", "a", "agent-1");
  TaskStatus running = update("a", TaskState::kRunning);
  EXPECT_EQ(relay_.from_agent(running), UpdateRelay::Received::kNew);
  ASSERT_EQ(sent_states(), std::vector<std::string>{"a:RUNNING"});
  EXPECT_EQ(sent_[0].first, "fw");
  EXPECT_TRUE(acknowledged_.empty()) << "the agent hears only of the framework's acknowledgement";
  EXPECT_EQ(relay_.pending(), 1u);

  EXPECT_FALSE(relay_.acknowledge("fw", "a", "update-unknown"));
  EXPECT_FALSE(relay_.acknowledge("fw", "b", running.uuid));
  EXPECT_TRUE(relay_.acknowledge("fw", "a", running.uuid));
  ASSERT_EQ(acknowledged_.size(), 1u);
  EXPECT_EQ(acknowledged_[0].first, "agent-1");
  EXPECT_EQ(acknowledged_[0].second.uuid, running.uuid);
  EXPECT_FALSE(relay_.acknowledge("fw", "a", running.uuid)) << "a duplicate acknowledgement";
  EXPECT_EQ(acknowledged_.size(), 1u);
  EXPECT_EQ(relay_.pending(), 0u);
}

TEST_F(UpdateRelayTest, AnUpdateSentAgainReachesEachFrameworkConnectionOnce) {
  relay_.track("fw", "a", "agent-1");
  TaskStatus running = update("a", TaskState::kRunning);
  relay_.from_agent(running);
  EXPECT_EQ(relay_.from_agent(running), UpdateRelay::Received::kDuplicate);
  EXPECT_EQ(sent_.size(), 1u) << "this connection had it";
  connection_ = 8;  // the scheduler reconnected
  relay_.from_agent(running);
  relay_.from_agent(running);
  EXPECT_EQ(sent_.size(), 2u) << "the new connection gets it once";
  EXPECT_TRUE(acknowledged_.empty());
}

TEST_F(UpdateRelayTest, AnUpdateAlreadyAcknowledgedIsAcknowledgedAgainWithoutTheFramework) {
  relay_.track("fw", "a", "agent-1");
  TaskStatus running = update("a", TaskState::kRunning);
  relay_.from_agent(running);
  relay_.acknowledge("fw", "a", running.uuid);
  // The agent did not get the acknowledgement and sends the update again.
  EXPECT_EQ(relay_.from_agent(running), UpdateRelay::Received::kDuplicate);
  EXPECT_EQ(sent_.size(), 1u);
  ASSERT_EQ(acknowledged_.size(), 2u);
  EXPECT_EQ(acknowledged_[1].second.uuid, running.uuid);
}

TEST_F(UpdateRelayTest, WaitingUpdatesAreSentAgainWhenTheFrameworkReturns) {
  relay_.track("fw", "a", "agent-1");
  relay_.track("fw", "b", "agent-1");
  relay_.track("other", "c", "agent-1");
  connection_ = 0;  // disconnected: kept, not sent
  relay_.from_agent(update("a", TaskState::kRunning));
  TaskStatus other = update("c", TaskState::kRunning);
  other.framework_id = "other";
  relay_.from_agent(other);
  EXPECT_TRUE(sent_.empty());
  relay_.from_master(update("b", TaskState::kLost));
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(relay_.pending(), 3u);
  connection_ = 9;
  relay_.framework_connected("fw");
  EXPECT_EQ(sent_states(), (std::vector<std::string>{"a:RUNNING", "b:LOST"}))
      << "only the framework's own tasks";
}

TEST_F(UpdateRelayTest, TheFrameworkHearsOfExactlyOneTerminalUpdatePerTask) {
  relay_.track("fw", "a", "agent-1");
  relay_.from_agent(update("a", TaskState::kRunning));
  relay_.acknowledge("fw", "a", sent_[0].second.uuid);
  relay_.from_master(update("a", TaskState::kLost));  // its agent was lost
  EXPECT_TRUE(relay_.terminal_reported("fw", "a"));
  // The agent comes back with the task's own end: acknowledged, dropped.
  TaskStatus finished = update("a", TaskState::kFinished);
  EXPECT_EQ(relay_.from_agent(finished), UpdateRelay::Received::kNew);
  EXPECT_EQ(sent_states(), (std::vector<std::string>{"a:RUNNING", "a:LOST"}));
  ASSERT_EQ(acknowledged_.size(), 2u);
  EXPECT_EQ(acknowledged_[1].second.uuid, finished.uuid);
}

TEST_F(UpdateRelayTest, TheAgentsTerminalUpdateEndsTheTaskForTheFramework) {
  relay_.track("fw", "a", "agent-1");
  relay_.from_agent(update("a", TaskState::kFailed));
  relay_.from_agent(update("a", TaskState::kFinished));  // a buggy agent's second end
  EXPECT_EQ(sent_states(), std::vector<std::string>{"a:FAILED"});
  EXPECT_TRUE(relay_.terminal_reported("fw", "a"));
}

TEST_F(UpdateRelayTest, AMasterStatusWhileDisconnectedSupersedesTheAgentsWaitingOne) {
  relay_.track("fw", "a", "agent-1");
  connection_ = 0;
  TaskStatus running = update("a", TaskState::kRunning);
  relay_.from_agent(running);
  relay_.from_master(update("a", TaskState::kLost));
  ASSERT_EQ(acknowledged_.size(), 1u) << "the agent's stream moves on";
  EXPECT_EQ(acknowledged_[0].second.uuid, running.uuid);
  connection_ = 3;
  relay_.framework_connected("fw");
  EXPECT_EQ(sent_states(), std::vector<std::string>{"a:LOST"});
  relay_.acknowledge("fw", "a", sent_[0].second.uuid);
  EXPECT_EQ(acknowledged_.size(), 1u) << "the master's own status is not the agent's to hear of";
  EXPECT_EQ(relay_.pending(), 0u);
}

TEST_F(UpdateRelayTest, UpdatesOfUnknownTasksAreAcknowledgedAndDropped) {
  TaskStatus stray = update("nobody", TaskState::kRunning);
  EXPECT_EQ(relay_.from_agent(stray), UpdateRelay::Received::kUnknown);
  EXPECT_TRUE(sent_.empty());
  ASSERT_EQ(acknowledged_.size(), 1u);
  EXPECT_EQ(acknowledged_[0].first, "agent-1");
  EXPECT_FALSE(relay_.acknowledge("fw", "nobody", stray.uuid));
  relay_.from_master(update("nobody", TaskState::kError));  // an untracked status: just sent
  EXPECT_EQ(sent_states(), std::vector<std::string>{"nobody:ERROR"});
  EXPECT_EQ(relay_.tracked(), 0u);
}

TEST_F(UpdateRelayTest, AGoneFrameworksUpdatesAreAcknowledgedAtOnce) {
  relay_.track("fw", "a", "agent-1");
  relay_.track("fw", "b", "agent-1");
  TaskStatus waiting = update("a", TaskState::kRunning);
  relay_.from_agent(waiting);
  connection_ = std::nullopt;  // torn down
  relay_.framework_gone("fw");
  ASSERT_EQ(acknowledged_.size(), 1u);
  EXPECT_EQ(acknowledged_[0].second.uuid, waiting.uuid);
  relay_.from_agent(update("b", TaskState::kKilled));
  EXPECT_EQ(acknowledged_.size(), 2u);
  EXPECT_EQ(sent_.size(), 1u);
  EXPECT_EQ(relay_.pending(), 0u);
}

TEST_F(UpdateRelayTest, AcknowledgementsGoToTheAgentTheTaskRunsOn) {
  relay_.track("fw", "a", "agent-2");
  TaskStatus running = update("a", TaskState::kRunning);  // says agent-1
  relay_.from_agent(running);
  relay_.acknowledge("fw", "a", running.uuid);
  ASSERT_EQ(acknowledged_.size(), 1u);
  EXPECT_EQ(acknowledged_[0].first, "agent-2");
}

TEST_F(UpdateRelayTest, ForgettingAnOldStreamLeavesAReusedTaskIdAlone) {
  uint64_t first = relay_.track("fw", "a", "agent-1");
  relay_.from_agent(update("a", TaskState::kFinished));
  uint64_t second = relay_.track("fw", "a", "agent-1");  // the id is used again
  EXPECT_NE(first, second);
  EXPECT_FALSE(relay_.terminal_reported("fw", "a")) << "a new stream";
  relay_.forget("fw", "a", first);
  EXPECT_TRUE(relay_.tracks("fw", "a"));
  relay_.forget("fw", "a", second);
  EXPECT_FALSE(relay_.tracks("fw", "a"));
}

}  // namespace
}  // namespace clusterctl
