// The master's registry against a real work dir: stored before visible,
// refused changes leave nothing behind, order kept, corrupt files refused,
// files written before a field existed still read.
#include "daemons/master/registry.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "core/asio.hpp"
#include "core/rpc/message.hpp"

namespace clusterctl {
namespace {

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/clusterctl-registry.XXXXXX";
    dir_ = mkdtemp(pattern);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Registry> open() {
    auto registry = Registry::open(io_, dir_);
    EXPECT_TRUE(registry.is_ok()) << registry.status().message();
    return registry.is_ok() ? std::move(registry).value() : nullptr;
  }

  Status update(Registry& registry, Registry::Change change) {
    std::optional<Status> result;
    registry.update(std::move(change), [&](Status status) { result = status; });
    while (!result) io_.run_one();
    return *result;
  }

  asio::io_context io_;
  // Stores finish on a worker thread: keep run_one() waiting for them.
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::string dir_;
};

TEST_F(RegistryTest, StartsEmptyAndKeepsWhatWasStored) {
  auto registry = open();
  EXPECT_TRUE(registry->state().weights.empty());
  Status stored = update(*registry, [](RegistryState& state) {
    state.weights["analytics"] = 3;
    state.quotas["analytics"] = {"analytics", *Resources::parse("cpus:4"), {}};
    return Status::ok();
  });
  ASSERT_TRUE(stored.is_ok()) << stored.message();
  EXPECT_EQ(registry->state().weights.at("analytics"), 3);
  registry.reset();

  auto reopened = open();
  EXPECT_EQ(reopened->state().weights.at("analytics"), 3);
  EXPECT_EQ(reopened->state().quotas.at("analytics").guarantee.to_string(), "cpus:4");
}

TEST_F(RegistryTest, ARefusedChangeLeavesNothingBehind) {
  auto registry = open();
  ASSERT_TRUE(update(*registry, [](RegistryState& state) {
                state.weights["a"] = 1;
                return Status::ok();
              }).is_ok());
  Status refused = update(*registry, [](RegistryState& state) {
    state.weights["a"] = 99;
    return Status::invalid("no");
  });
  EXPECT_EQ(refused.kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(registry->state().weights.at("a"), 1);
  registry.reset();
  EXPECT_EQ(open()->state().weights.at("a"), 1);
}

TEST_F(RegistryTest, UpdatesApplyInOrder) {
  auto registry = open();
  std::vector<int> finished;
  for (int i = 0; i < 20; ++i) {
    registry->update(
        [i](RegistryState& state) {
          state.weights["r"] = i;
          return Status::ok();
        },
        [&finished, i](Status) { finished.push_back(i); });
  }
  while (finished.size() < 20) io_.run_one();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(finished[i], i);
  EXPECT_EQ(registry->state().weights.at("r"), 19);
}

TEST_F(RegistryTest, AFailedStoreChangesNothing) {
  auto registry = open();
  // A directory where the temporary file must go makes the write fail, even for root.
  std::filesystem::create_directory(dir_ + "/registry.tmp." + std::to_string(getpid()));
  Status failed = update(*registry, [](RegistryState& state) {
    state.weights["x"] = 2;
    return Status::ok();
  });
  EXPECT_FALSE(failed.is_ok());
  EXPECT_NE(failed.message().find("registry not updated"), std::string::npos) << failed.message();
  EXPECT_TRUE(registry->state().weights.empty());
}

TEST_F(RegistryTest, ACorruptFileIsRefusedWithItsName) {
  std::ofstream(dir_ + "/registry") << "\xc1not msgpack";
  auto registry = Registry::open(io_, dir_);
  ASSERT_FALSE(registry.is_ok());
  EXPECT_NE(registry.status().message().find(dir_ + "/registry"), std::string::npos);
  EXPECT_NE(registry.status().message().find("corrupt"), std::string::npos);
}

// The registry as stored before unreachable agents were kept in it.
struct RegistryWithoutUnreachable {
  uint32_t format_version = 1;
  std::map<std::string, AgentInfo> agents;
  std::map<std::string, double> weights;
  MSGPACK_DEFINE_MAP(format_version, agents, weights);
};

TEST_F(RegistryTest, AFileWrittenBeforeUnreachableAgentsWereKeptStillReads) {
  RegistryWithoutUnreachable old;
  old.agents["agent-1"].id = "agent-1";
  old.agents["agent-1"].address = "127.0.0.1:5051";
  old.weights["analytics"] = 2;
  std::string bytes = pack_payload(old);
  std::ofstream(dir_ + "/registry", std::ios::binary) << bytes;

  auto registry = open();
  ASSERT_NE(registry, nullptr);
  EXPECT_EQ(registry->state().agents.at("agent-1").address, "127.0.0.1:5051");
  EXPECT_EQ(registry->state().weights.at("analytics"), 2);
  EXPECT_TRUE(registry->state().unreachable.empty());
}

TEST_F(RegistryTest, KeepsSinceWhenAgentsAreUnreachable) {
  auto registry = open();
  ASSERT_TRUE(update(*registry, [](RegistryState& state) {
                state.agents["agent-1"].id = "agent-1";
                state.unreachable["agent-1"] = 1700000000.5;
                return Status::ok();
              }).is_ok());
  registry.reset();
  EXPECT_EQ(open()->state().unreachable.at("agent-1"), 1700000000.5);
}

}  // namespace
}  // namespace clusterctl
