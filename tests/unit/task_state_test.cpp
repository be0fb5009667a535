#include "core/task_state.hpp"

#include <gtest/gtest.h>

#include <map>

#include "core/messages.hpp"
#include "core/rpc/message.hpp"

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

TEST(TaskStateWire, TravelsAsItsName) {
  TaskStatus status;
  status.task_id = "t1";
  status.state = TaskState::kUnreachable;
  Payload bytes = pack_payload(status);
  msgpack::object_handle handle = msgpack::unpack(bytes.data(), bytes.size());
  auto fields = handle.get().as<std::map<std::string, msgpack::object>>();
  EXPECT_EQ(fields.at("state").as<std::string>(), "UNREACHABLE");
  auto back = unpack_payload<TaskStatus>(bytes);
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_EQ(back->state, TaskState::kUnreachable);
}

TEST(TaskStateWire, AnUnknownNameMakesTheMessageMalformed) {
  std::map<std::string, std::string> wire = {{"task_id", "t1"}, {"state", "SORT_OF_DONE"}};
  auto status = unpack_payload<TaskStatus>(pack_payload(wire));
  ASSERT_FALSE(status.is_ok());
  EXPECT_EQ(status.status().kind(), ErrorKind::kProtocol);
  EXPECT_NE(status.status().message().find("unknown task state 'SORT_OF_DONE'"), std::string::npos)
      << status.status().message();
}

TEST(TaskStateWire, ANonStringStateIsMalformed) {
  std::map<std::string, int> wire = {{"state", 2}};
  auto status = unpack_payload<TaskStatus>(pack_payload(wire));
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.status().message().find("must be a string"), std::string::npos);
}

TEST(TaskStateWire, AHugeUnknownNameIsQuotedShort) {
  std::map<std::string, std::string> wire = {{"state", std::string(1 << 20, 'X')}};
  auto status = unpack_payload<TaskStatus>(pack_payload(wire));
  ASSERT_FALSE(status.is_ok());
  EXPECT_LT(status.status().message().size(), 200u);
}

TEST(StatusOrDeathTest, UsingTheValueOfAnErrorAbortsWithItsMessage) {
  StatusOr<int> failed = Status::not_found("no such agent 'a9'");
  EXPECT_DEATH((void)failed.value(), "used the value of a failed StatusOr .*no such agent 'a9'");
  EXPECT_DEATH((void)*failed, "no such agent 'a9'");
}

TEST(StatusOr, MadeFromAnOkStatusIsAnError) {
  StatusOr<int> odd = Status::ok();
  EXPECT_FALSE(odd.is_ok());
  EXPECT_EQ(odd.status().kind(), ErrorKind::kInternal);
}

}  // namespace
}  // namespace clusterctl
