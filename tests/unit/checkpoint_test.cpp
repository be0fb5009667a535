// The agent's checkpoint: the files under WORK_DIR/meta and how they are read
// back, the writer that stores them off the event loop, and the
// reconfiguration policy.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>

#include "core/asio.hpp"
#include "core/atomic_file.hpp"
#include "daemons/agent/checkpoint.hpp"
#include "daemons/agent/checkpoint_writer.hpp"
#include "tests/unit/io_loop.hpp"

namespace clusterctl {
namespace {

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_dir_ = (std::filesystem::temp_directory_path() /
                 ("checkpoint_test." + std::to_string(::getpid()) + "." +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                    .string();
    std::filesystem::remove_all(work_dir_);
  }
  void TearDown() override { std::filesystem::remove_all(work_dir_); }

  void run_until(const std::function<bool()>& done) {
    ASSERT_TRUE(run_io_until(io_, done, Duration(5000)));
  }

  void write(const std::string& path, const std::string& content) {
    ASSERT_TRUE(make_directories(std::filesystem::path(path).parent_path().string()));
    ASSERT_TRUE(write_file_atomic(path, content));
  }

  std::string work_dir_;
  asio::io_context io_;
};

TEST_F(CheckpointTest, NothingCheckpointedIsAnEmptyState) {
  auto state = read_checkpoint(work_dir_);
  ASSERT_TRUE(state.is_ok()) << state.status().message();
  EXPECT_TRUE(state->boot_id.empty());
  EXPECT_FALSE(state->agent.has_value());
  EXPECT_TRUE(state->runs.empty());
}

TEST_F(CheckpointTest, ReadsBackWhatWasWrittenAndDropsInterruptedWrites) {
  write(boot_id_path(work_dir_), encode_boot_id("1234-abcd"));
  AgentCheckpoint agent{"agent-1", *Resources::parse("cpus:2;mem:64"), {{"rack", "r1"}}};
  write(agent_checkpoint_path(work_dir_), encode_checkpoint(agent));
  ExecutorCheckpoint executor;
  executor.container_id = "container-1";
  executor.framework_id = "fw";
  executor.task.task_id = "t1";
  executor.pid = 42;
  executor.pid_start_time = 7;
  write(executor_checkpoint_path(work_dir_, "container-1"), encode_checkpoint(executor));
  UpdateStreamCheckpoint updates;
  updates.framework_id = "fw";
  updates.task_id = "t1";
  updates.latest_state = TaskState::kRunning;
  write(updates_checkpoint_path(work_dir_, "container-1"), encode_checkpoint(updates));
  write(updates_checkpoint_path(work_dir_, "container-1") + ".tmp.999", "half a write");
  std::filesystem::create_directories(run_meta_dir(work_dir_, "container-empty"));

  auto state = read_checkpoint(work_dir_);
  ASSERT_TRUE(state.is_ok()) << state.status().message();
  EXPECT_EQ(state->boot_id, "1234-abcd");
  ASSERT_TRUE(state->agent.has_value());
  EXPECT_EQ(state->agent->agent_id, "agent-1");
  EXPECT_EQ(state->agent->resources.to_string(), "cpus:2;mem:64");
  ASSERT_EQ(state->runs.size(), 1u);
  EXPECT_EQ(state->runs[0].executor.pid, 42);
  ASSERT_TRUE(state->runs[0].updates.has_value());
  EXPECT_EQ(state->runs[0].updates->latest_state, TaskState::kRunning);
  EXPECT_FALSE(
      std::filesystem::exists(updates_checkpoint_path(work_dir_, "container-1") + ".tmp.999"));
  EXPECT_FALSE(std::filesystem::exists(run_meta_dir(work_dir_, "container-empty")));
}

TEST_F(CheckpointTest, ACorruptFileStopsTheAgentWithAMessageNamingIt) {
  write(agent_checkpoint_path(work_dir_), "\xc1 not msgpack");
  auto state = read_checkpoint(work_dir_);
  ASSERT_FALSE(state.is_ok());
  EXPECT_NE(state.status().message().find(agent_checkpoint_path(work_dir_)), std::string::npos);
  EXPECT_NE(state.status().message().find("remove"), std::string::npos);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void overwrite(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Every file of a checkpoint: one changed byte anywhere in any of them stops
// the agent with a message naming the file; none loads other contents.
TEST_F(CheckpointTest, EveryChangedByteIsRefusedNeverLoaded) {
  write(boot_id_path(work_dir_), encode_boot_id("3f1c2a9e-5b7d-4c8e-9a0b-1c2d3e4f5a6b"));
  AgentCheckpoint agent{"agent-1", *Resources::parse("cpus:2;mem:64"), {{"rack", "r1"}}};
  write(agent_checkpoint_path(work_dir_), encode_checkpoint(agent));
  ExecutorCheckpoint executor;
  executor.container_id = "container-1";
  executor.task.task_id = "t1";
  executor.pid = 42;
  write(executor_checkpoint_path(work_dir_, "container-1"), encode_checkpoint(executor));
  UpdateStreamCheckpoint updates;
  updates.task_id = "t1";
  updates.latest_state = TaskState::kRunning;
  write(updates_checkpoint_path(work_dir_, "container-1"), encode_checkpoint(updates));
  ASSERT_TRUE(read_checkpoint(work_dir_).is_ok());

  for (const std::string& path : {boot_id_path(work_dir_), agent_checkpoint_path(work_dir_),
                                  executor_checkpoint_path(work_dir_, "container-1"),
                                  updates_checkpoint_path(work_dir_, "container-1")}) {
    const std::string good = read_bytes(path);
    for (size_t at = 0; at < good.size(); ++at) {
      for (unsigned char mask : {0x01, 0x80, 0xFF}) {
        std::string changed = good;
        changed[at] = static_cast<char>(changed[at] ^ mask);
        overwrite(path, changed);
        auto state = read_checkpoint(work_dir_);
        ASSERT_FALSE(state.is_ok()) << path << ": byte " << at << " ^ " << int(mask) << " loaded";
        const std::string& message = state.status().message();
        EXPECT_EQ(message.rfind("checkpoint '" + path + "' is corrupt: ", 0), 0u) << message;
        EXPECT_TRUE(
            message.ends_with("; remove the agent's WORK_DIR/meta to start it as a new "
                              "agent (its running tasks are then lost)"))
            << message;
      }
    }
    overwrite(path, good);
  }
  std::string agent_bytes = read_bytes(agent_checkpoint_path(work_dir_));
  agent_bytes.back() ^= 0x01;
  overwrite(agent_checkpoint_path(work_dir_), agent_bytes);
  EXPECT_EQ(read_checkpoint(work_dir_).status().message(),
            "checkpoint '" + agent_checkpoint_path(work_dir_) +
                "' is corrupt: checksum mismatch; remove the agent's WORK_DIR/meta to start it "
                "as a new agent (its running tasks are then lost)");
}

// Files written before the frame existed (bare msgpack, a boot id as text)
// still read.
TEST_F(CheckpointTest, FilesWithoutAChecksumStillLoad) {
  write(boot_id_path(work_dir_), "3f1c2a9e-5b7d-4c8e-9a0b-1c2d3e4f5a6b\n");
  AgentCheckpoint agent{"agent-1", *Resources::parse("cpus:2;mem:64"), {}};
  write(agent_checkpoint_path(work_dir_), pack_payload(agent));
  ExecutorCheckpoint executor;
  executor.container_id = "container-1";
  executor.pid = 42;
  write(executor_checkpoint_path(work_dir_, "container-1"), pack_payload(executor));
  UpdateStreamCheckpoint updates;
  updates.latest_state = TaskState::kRunning;
  write(updates_checkpoint_path(work_dir_, "container-1"), pack_payload(updates));
  auto state = read_checkpoint(work_dir_);
  ASSERT_TRUE(state.is_ok()) << state.status().message();
  EXPECT_EQ(state->boot_id, "3f1c2a9e-5b7d-4c8e-9a0b-1c2d3e4f5a6b");
  EXPECT_EQ(state->agent->agent_id, "agent-1");
  ASSERT_EQ(state->runs.size(), 1u);
  EXPECT_EQ(state->runs[0].executor.pid, 42);
  EXPECT_EQ(state->runs[0].updates->latest_state, TaskState::kRunning);
  // A boot id file that is neither framed nor a boot id is refused.
  write(boot_id_path(work_dir_), "not a boot id");
  EXPECT_FALSE(read_checkpoint(work_dir_).is_ok());
}

TEST_F(CheckpointTest, ThisMachineHasABootId) {
  auto boot_id = read_boot_id();
  ASSERT_TRUE(boot_id.is_ok()) << boot_id.status().message();
  EXPECT_EQ(boot_id->size(), 36u) << *boot_id;
}

TEST(ReconfigurationTest, EqualRefusesAnyChangeAndAdditiveOnlyGrowth) {
  AgentCheckpoint old{"agent-1", *Resources::parse("cpus:2;mem:1024"), {{"rack", "r1"}}};
  Resources same = old.resources;
  Resources more = *Resources::parse("cpus:4;mem:1024");
  Resources less = *Resources::parse("cpus:1;mem:1024");
  Attributes added{{"rack", "r1"}, {"zone", "z"}};
  Attributes changed{{"rack", "r2"}};
  EXPECT_TRUE(check_reconfiguration(old, same, old.attributes, "equal"));
  Status refused = check_reconfiguration(old, more, old.attributes, "equal");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("cpus:2;mem:1024"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("cpus:4;mem:1024"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("additive"), std::string::npos) << refused.message();
  EXPECT_TRUE(check_reconfiguration(old, more, added, "additive"));
  EXPECT_FALSE(check_reconfiguration(old, less, old.attributes, "additive"));
  EXPECT_FALSE(check_reconfiguration(old, same, changed, "additive"));
  EXPECT_FALSE(check_reconfiguration(old, same, {}, "additive"));
}

TEST_F(CheckpointTest, TheWriterStoresInOrderAndKeepsOnlyTheNewestQueuedContent) {
  CheckpointWriter writer(io_);
  std::string path = work_dir_ + "/meta/runs/c/updates";
  std::vector<std::string> done;
  for (int i = 0; i < 5; ++i) {
    writer.write(path, "version " + std::to_string(i), [&, i](const Status& result) {
      EXPECT_TRUE(result.is_ok()) << result.message();
      done.push_back("write " + std::to_string(i));
    });
  }
  writer.remove_all(work_dir_ + "/meta/runs/gone", [&](const Status& result) {
    EXPECT_TRUE(result.is_ok());
    done.push_back("remove");
  });
  // The first write went to the worker at once; the next four waited
  // together, so only the last of them was written.
  EXPECT_EQ(writer.pending(), 3u);
  run_until([&] { return done.size() == 6; });
  EXPECT_EQ(done, (std::vector<std::string>{"write 0", "write 1", "write 2", "write 3", "write 4",
                                            "remove"}));
  EXPECT_EQ(*read_file(path), "version 4");
}

TEST_F(CheckpointTest, TheWriterReportsAFailure) {
  CheckpointWriter writer(io_);
  write(work_dir_ + "/file", "x");
  std::optional<Status> result;
  writer.write(work_dir_ + "/file/below", "y", [&](const Status& status) { result = status; });
  run_until([&] { return result.has_value(); });
  EXPECT_FALSE(result->is_ok());
}

}  // namespace
}  // namespace clusterctl
