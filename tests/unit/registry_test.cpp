// The master's registry against a real work dir: stored before visible,
// refused changes leave nothing behind, order kept, corrupt files refused,
// files written before a field existed still read.
#include "daemons/master/registry.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include "core/asio.hpp"
#include "core/rpc/message.hpp"
#include "daemons/master/file_registry_store.hpp"

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

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

RegistryState sample_state() {
  RegistryState state;
  state.agents["agent-1"].id = "agent-1";
  state.agents["agent-1"].address = "127.0.0.1:5051";
  state.weights["analytics"] = 3;
  state.quotas["analytics"] = {"analytics", *Resources::parse("cpus:4"), {}};
  state.unreachable["agent-1"] = 1700000000.5;
  return state;
}

// One flipped bit or byte anywhere must never load other contents.
TEST_F(RegistryTest, EveryChangedByteIsRefusedNeverLoaded) {
  std::string bytes = encode_registry(sample_state());
  const std::string what = "registry '/x/registry'";
  for (size_t at = 0; at < bytes.size(); ++at) {
    for (unsigned char mask : {0x01, 0x80, 0xFF}) {
      std::string changed = bytes;
      changed[at] = static_cast<char>(changed[at] ^ mask);
      auto state = decode_registry(changed, what);
      ASSERT_FALSE(state.is_ok()) << "byte " << at << " ^ " << int(mask) << " loaded";
      const std::string& message = state.status().message();
      EXPECT_EQ(message.rfind(what + " is corrupt: ", 0), 0u) << message;
      EXPECT_TRUE(message.ends_with("; restore it from a backup or move it away to start empty"))
          << message;
    }
  }
}

TEST_F(RegistryTest, AFlippedByteStopsTheMasterAndLeavesTheFileAlone) {
  auto registry = open();
  ASSERT_TRUE(update(*registry, [](RegistryState& state) {
                state = sample_state();
                return Status::ok();
              }).is_ok());
  registry.reset();
  std::string path = dir_ + "/registry";
  std::string bytes = read_bytes(path);
  bytes[bytes.size() / 2] ^= 0x04;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  auto refused = Registry::open(io_, dir_);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().message(),
            "registry '" + path +
                "' is corrupt: checksum mismatch; restore it from a backup or move it away to "
                "start empty");
  EXPECT_EQ(read_bytes(path), bytes);
}

TEST_F(RegistryTest, AFileWithoutAChecksumLoadsAndTheNextStoreAddsOne) {
  std::string bare = pack_payload(sample_state());
  std::ofstream(dir_ + "/registry", std::ios::binary) << bare;
  auto registry = open();
  ASSERT_NE(registry, nullptr);
  EXPECT_EQ(registry->state().weights.at("analytics"), 3);
  ASSERT_TRUE(update(*registry, [](RegistryState& state) {
                state.weights["batch"] = 2;
                return Status::ok();
              }).is_ok());
  registry.reset();
  std::string stored = read_bytes(dir_ + "/registry");
  EXPECT_EQ(stored.substr(0, 4), std::string("\xC1\xC1"
                                             "cf"));
  auto reopened = open();
  EXPECT_EQ(reopened->state().weights.at("batch"), 2);
  EXPECT_EQ(reopened->state().unreachable.at("agent-1"), 1700000000.5);
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
