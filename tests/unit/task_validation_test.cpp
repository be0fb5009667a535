#include "core/task_validation.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace clusterctl {
namespace {

TaskInfo good_task() {
  TaskInfo task;
  task.task_id = "web-1.a_b";
  task.name = "web server ✓";
  task.resources = *Resources::parse("cpus:1;mem:64;ports:[31000-31010]");
  task.command.value = "echo hello";
  task.command.environment = {{"A", "1"}};
  return task;
}

std::string error_of(const TaskInfo& task) {
  Status status = validate_task_info(task);
  EXPECT_FALSE(status);
  EXPECT_EQ(status.kind(), ErrorKind::kInvalidArgument);
  return status.message();
}

TEST(TaskValidation, AcceptsAnOrdinaryTask) {
  EXPECT_TRUE(validate_task_info(good_task()));
  TaskInfo task = good_task();
  task.command.value = std::string(kMaxCommandStringBytes, 'x');
  EXPECT_TRUE(validate_task_info(task)) << validate_task_info(task).message();
}

TEST(TaskValidation, IdsThatCouldNotNameADirectoryAreRefused) {
  for (const std::string& id : {std::string(""), std::string("."), std::string(".."),
                                std::string("a/b"), std::string("../x"), std::string("a\0b", 3),
                                std::string("a\nb"), std::string("a b"), std::string(129, 'x')}) {
    TaskInfo task = good_task();
    task.task_id = id;
    std::string message = error_of(task);
    EXPECT_EQ(message.rfind("task id '", 0), 0u) << message;
    EXPECT_NE(message.find("use 1-128 letters"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(message.find('\0'), std::string::npos);
  }
  TaskInfo longest = good_task();
  longest.task_id = std::string(128, 'x');
  EXPECT_TRUE(validate_task_info(longest));
}

TEST(TaskValidation, NamesAreBoundedWithoutControlCharacters) {
  TaskInfo task = good_task();
  task.name = std::string(kMaxTaskNameBytes + 1, 'n');
  EXPECT_EQ(error_of(task), "task web-1.a_b: its name is 257 bytes; the limit is 256");
  task.name = "two\nlines";
  EXPECT_EQ(error_of(task), "task web-1.a_b: its name holds a control character");
}

TEST(TaskValidation, TheCommandIsPresentAndBounded) {
  TaskInfo task = good_task();
  task.command.value.clear();
  EXPECT_EQ(error_of(task), "task web-1.a_b: it has no command");

  task.command.value = std::string(10 * 1024 * 1024, 'x');
  task.command.environment.clear();
  EXPECT_EQ(error_of(task),
            "task web-1.a_b: the command is 10485761 bytes (value, arguments and environment); "
            "the limit is 1048576 (pass large data in a file, e.g. with --uri)");

  task.command.value = std::string(kMaxCommandStringBytes + 1, 'x');
  EXPECT_NE(error_of(task).find("the command is 131072 bytes; the limit for one string is 131071"),
            std::string::npos);
}

TEST(TaskValidation, ArgumentsAndEnvironmentCountTowardsTheLimit) {
  TaskInfo task = good_task();
  task.command.shell = false;
  task.command.value = "/bin/echo";
  for (int i = 0; i < 9; ++i) task.command.arguments.push_back(std::string(100000, 'a'));
  EXPECT_TRUE(validate_task_info(task));
  for (int i = 0; i < 2; ++i) {
    task.command.environment["V" + std::to_string(i)] = std::string(100000, 'e');
  }
  EXPECT_NE(error_of(task).find("the command is 1100031 bytes"), std::string::npos);

  task = good_task();
  task.command.arguments = {std::string("a\0b", 3)};
  EXPECT_EQ(error_of(task), "task web-1.a_b: an argument contains a NUL byte");
  task = good_task();
  task.command.value = std::string("echo\0 hidden", 12);
  EXPECT_EQ(error_of(task), "task web-1.a_b: the command contains a NUL byte");
  task = good_task();
  task.command.environment = {{"A=B", "1"}};
  EXPECT_NE(error_of(task).find("environment variable name 'A=B' is empty or holds '='"),
            std::string::npos);
  task.command.environment = {{"", "1"}};
  EXPECT_NE(error_of(task).find("environment variable name ''"), std::string::npos);
  task.command.environment = {{"BIG", std::string(kMaxCommandStringBytes, 'v')}};
  EXPECT_NE(error_of(task).find("environment variable BIG is 131075 bytes"), std::string::npos);
}

TEST(TaskValidation, TheHealthCheckCommandIsBounded) {
  TaskInfo task = good_task();
  task.health_check = HealthCheckInfo{};
  task.health_check->type = "command";
  task.health_check->command = std::string(kMaxCommandStringBytes + 1, 'h');
  EXPECT_NE(error_of(task).find("the health check's command is 131072 bytes"), std::string::npos);
}

TEST(TaskValidation, ResourcesWithinTheLimits) {
  TaskInfo task = good_task();
  std::string ports = "ports:[";
  for (int i = 0; i < 1001; ++i) ports += (i ? "," : "") + std::to_string(2 * i);
  task.resources = *Resources::parse("cpus:1;" + ports + "]");
  EXPECT_EQ(error_of(task), "task web-1.a_b: ports: 1001 ranges is more than the 1000 allowed");
}

// The wire refuses what validation never sees: a task whose resources are
// malformed does not decode at all (the accept call fails as a protocol error).
TEST(TaskValidation, MalformedResourcesDoNotDecode) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  packer.pack_map(2);
  packer.pack(std::string("task_id"));
  packer.pack(std::string("t1"));
  packer.pack(std::string("resources"));
  packer.pack_map(1);
  packer.pack(std::string("cpus"));
  packer.pack(std::string("2"));
  msgpack::object_handle handle = msgpack::unpack(buffer.data(), buffer.size());
  EXPECT_THROW(handle.get().as<TaskInfo>(), std::invalid_argument);
}

}  // namespace
}  // namespace clusterctl
