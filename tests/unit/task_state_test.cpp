#include "core/task_state.hpp"

#include <gtest/gtest.h>

namespace clusterctl {
namespace {

TEST(TaskState, NamesRoundTrip) {
  for (TaskState state :
       {TaskState::kStaging, TaskState::kStarting, TaskState::kRunning, TaskState::kFinished,
        TaskState::kFailed, TaskState::kKilling, TaskState::kKilled, TaskState::kLost,
        TaskState::kError, TaskState::kDropped, TaskState::kUnreachable, TaskState::kGone,
        TaskState::kUnknown}) {
    auto parsed = parse_task_state(task_state_name(state));
    ASSERT_TRUE(parsed.is_ok()) << task_state_name(state);
    EXPECT_EQ(*parsed, state);
  }
}

TEST(TaskState, UnknownNameIsAnError) {
  auto parsed = parse_task_state("RUNING");
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_NE(parsed.status().message().find("RUNING"), std::string::npos);
}

TEST(TaskState, TerminalStates) {
  EXPECT_TRUE(is_terminal(TaskState::kFinished));
  EXPECT_TRUE(is_terminal(TaskState::kFailed));
  EXPECT_TRUE(is_terminal(TaskState::kKilled));
  EXPECT_TRUE(is_terminal(TaskState::kLost));
  EXPECT_FALSE(is_terminal(TaskState::kRunning));
  EXPECT_FALSE(is_terminal(TaskState::kUnreachable));
  EXPECT_FALSE(is_terminal(TaskState::kKilling));
}

TEST(TaskState, ForwardTransitionsAreValid) {
  EXPECT_TRUE(is_valid_transition(TaskState::kStaging, TaskState::kStarting));
  EXPECT_TRUE(is_valid_transition(TaskState::kStarting, TaskState::kRunning));
  EXPECT_TRUE(is_valid_transition(TaskState::kRunning, TaskState::kRunning));
  EXPECT_TRUE(is_valid_transition(TaskState::kRunning, TaskState::kKilling));
  EXPECT_TRUE(is_valid_transition(TaskState::kKilling, TaskState::kKilled));
  EXPECT_TRUE(is_valid_transition(TaskState::kStaging, TaskState::kFailed));
  EXPECT_TRUE(is_valid_transition(TaskState::kRunning, TaskState::kUnreachable));
}

TEST(TaskState, NoGoingBackAndNoLeavingTerminal) {
  EXPECT_FALSE(is_valid_transition(TaskState::kRunning, TaskState::kStarting));
  EXPECT_FALSE(is_valid_transition(TaskState::kKilling, TaskState::kRunning));
  EXPECT_FALSE(is_valid_transition(TaskState::kFinished, TaskState::kRunning));
  EXPECT_FALSE(is_valid_transition(TaskState::kLost, TaskState::kRunning));
  EXPECT_FALSE(is_valid_transition(TaskState::kKilled, TaskState::kFailed));
}

TEST(TaskState, UnreachableTaskMayComeBack) {
  EXPECT_TRUE(is_valid_transition(TaskState::kUnreachable, TaskState::kRunning));
  EXPECT_TRUE(is_valid_transition(TaskState::kUnreachable, TaskState::kLost));
}

}  // namespace
}  // namespace clusterctl
