// The agent's StatusUpdateManager against a fake master connection: per-task
// ordering, one update in flight per task, acknowledgements (duplicates and
// strangers ignored), retries with backoff, persistence before sending, and
// recovery of a stream from its checkpoint.
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>

#include "core/asio.hpp"
#include "core/atomic_file.hpp"
#include "core/task_status.hpp"
#include "daemons/agent/checkpoint.hpp"
#include "daemons/agent/checkpoint_writer.hpp"
#include "daemons/agent/status_update_manager.hpp"
#include "tests/unit/io_loop.hpp"

namespace clusterctl {
namespace {

// Records the updates sent to it; answers every call at once.
class FakeMaster : public RpcConnection {
 public:
  void call(const std::string& method, const Payload& params, Duration, RpcCallback done) override {
    msgpack::object_handle handle = msgpack::unpack(params.data(), params.size());
    sent.push_back(handle.get().as<StatusUpdateCall>().status);
    done(RpcValue{msgpack::object(), nullptr});
  }
  void notify(const std::string&, const Payload&) override {}
  void close(const std::string&) override {}
  bool is_open() const override { return true; }
  std::string peer_address() const override { return "fake:1"; }
  uint64_t id() const override { return 1; }
  void send_response(uint32_t, const Status&, const Payload&) override {}

  std::vector<std::string> sent_states() const {
    std::vector<std::string> out;
    for (const TaskStatus& status : sent)
      out.push_back(status.task_id + ":" + task_state_name(status.state));
    return out;
  }

  std::vector<TaskStatus> sent;
};

TaskStatus update(const std::string& task, TaskState state) {
  return make_task_status({task, "fw", "agent", task}, state, "", "");
}

class StatusUpdateManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sum_test." + std::to_string(::getpid()) + "." +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    make_manager();
  }
  void TearDown() override {
    manager_.reset();
    writer_.reset();
    std::filesystem::remove_all(dir_);
  }

  void make_manager(Duration retry_min = Duration(10000)) {
    manager_.reset();
    writer_ = std::make_unique<CheckpointWriter>(io_);
    StatusUpdateManager::Options options;
    options.retry_min = retry_min;
    options.retry_max = retry_min * 4;
    manager_ = std::make_unique<StatusUpdateManager>(
        io_, *writer_, options,
        [this](const std::string&, const std::string& task) { ended_.push_back(task); });
  }

  void run_until(const std::function<bool()>& done) {
    ASSERT_TRUE(run_io_until(io_, done, Duration(5000)));
  }
  void run_for(Duration duration) { run_io_for(io_, duration); }

  std::string path(const std::string& task) const { return (dir_ / task / "updates").string(); }

  // Adds an update and waits until it is stored.
  void add(TaskStatus status) {
    bool stored = false;
    manager_->update(std::move(status), [&](const Status& result) {
      EXPECT_TRUE(result.is_ok()) << result.message();
      stored = true;
    });
    run_until([&] { return stored; });
  }

  std::filesystem::path dir_;
  asio::io_context io_;
  std::unique_ptr<CheckpointWriter> writer_;
  std::unique_ptr<StatusUpdateManager> manager_;
  std::shared_ptr<FakeMaster> master_ = std::make_shared<FakeMaster>();
  std::vector<std::string> ended_;
};

TEST_F(StatusUpdateManagerTest, EachTaskSendsInOrderOneUpdateAtATime) {
  manager_->open("fw", "a", "");
  manager_->open("fw", "b", "");
  add(update("a", TaskState::kStarting));
  add(update("a", TaskState::kRunning));
  add(update("b", TaskState::kStarting));
  EXPECT_TRUE(master_->sent.empty()) << "nothing is sent before registration";
  manager_->resume(master_);
  // One update per task is out; a's second waits for a's first to be acknowledged.
  EXPECT_EQ(master_->sent_states(), (std::vector<std::string>{"a:STARTING", "b:STARTING"}));
  manager_->acknowledge("fw", "a", master_->sent[0].uuid);
  EXPECT_EQ(master_->sent.back().task_id + ":" + task_state_name(master_->sent.back().state),
            "a:RUNNING");
  EXPECT_EQ(manager_->pending(), 2u);
}

TEST_F(StatusUpdateManagerTest, IgnoresDuplicateUpdatesAndStrayAcknowledgements) {
  manager_->open("fw", "a", "");
  manager_->resume(master_);
  TaskStatus starting = update("a", TaskState::kStarting);
  add(starting);
  add(starting);  // the executor sent it again: taken once
  EXPECT_EQ(manager_->pending(), 1u);
  EXPECT_TRUE(manager_->received("fw", "a", starting.uuid));
  manager_->acknowledge("fw", "a", "update-unknown");
  manager_->acknowledge("fw", "nobody", starting.uuid);
  EXPECT_EQ(manager_->pending(), 1u);
  manager_->acknowledge("fw", "a", starting.uuid);
  manager_->acknowledge("fw", "a", starting.uuid);  // a duplicate
  EXPECT_EQ(manager_->pending(), 0u);
  EXPECT_EQ(master_->sent.size(), 1u);
}

TEST_F(StatusUpdateManagerTest, SendsAgainWithBackoffUntilAcknowledged) {
  make_manager(Duration(40));
  manager_->open("fw", "a", "");
  manager_->resume(master_);
  add(update("a", TaskState::kRunning));
  run_for(Duration(500));  // sent at 0, then after 40, 80, 160 (max), 160 ms...
  size_t sends = master_->sent.size();
  EXPECT_GE(sends, 3u);
  EXPECT_LE(sends, 7u) << "the retries back off";
  for (const TaskStatus& sent : master_->sent) EXPECT_EQ(sent.uuid, master_->sent[0].uuid);
  manager_->acknowledge("fw", "a", master_->sent[0].uuid);
  run_for(Duration(200));
  EXPECT_EQ(master_->sent.size(), sends) << "nothing is sent once acknowledged";
}

TEST_F(StatusUpdateManagerTest, ResendsAtOnceAfterReRegistration) {
  manager_->open("fw", "a", "");
  manager_->resume(master_);
  add(update("a", TaskState::kRunning));
  manager_->pause();
  auto next_master = std::make_shared<FakeMaster>();
  manager_->resume(next_master);
  ASSERT_EQ(next_master->sent.size(), 1u);
  EXPECT_EQ(next_master->sent[0].uuid, master_->sent[0].uuid);
}

TEST_F(StatusUpdateManagerTest, PersistsAnUpdateBeforeSendingOrStoringIt) {
  manager_->open("fw", "a", path("a"));
  manager_->resume(master_);
  TaskStatus running = update("a", TaskState::kRunning);
  bool stored = false;
  manager_->update(running, [&](const Status& result) {
    ASSERT_TRUE(result.is_ok());
    // On disk by the time the executor may be told.
    auto bytes = read_file(path("a"));
    ASSERT_TRUE(bytes.is_ok());
    auto stream = decode_checkpoint<UpdateStreamCheckpoint>(*bytes, "updates");
    ASSERT_TRUE(stream.is_ok());
    ASSERT_EQ(stream->pending.size(), 1u);
    EXPECT_EQ(stream->pending[0].uuid, running.uuid);
    stored = true;
  });
  EXPECT_TRUE(master_->sent.empty()) << "sent before it reached the disk";
  run_until([&] { return stored; });
  ASSERT_EQ(master_->sent.size(), 1u);
}

TEST_F(StatusUpdateManagerTest, ARecoveredStreamSendsWhatWasNotAcknowledged) {
  manager_->open("fw", "a", path("a"));
  add(update("a", TaskState::kStarting));
  add(update("a", TaskState::kRunning));
  TaskStatus finished = update("a", TaskState::kFinished);
  add(finished);
  manager_->resume(master_);
  manager_->acknowledge("fw", "a", master_->sent[0].uuid);  // STARTING
  run_until([&] { return writer_->pending() == 0; });

  make_manager();  // the agent restarts
  auto bytes = read_file(path("a"));
  ASSERT_TRUE(bytes.is_ok());
  auto checkpoint = decode_checkpoint<UpdateStreamCheckpoint>(*bytes, "updates");
  ASSERT_TRUE(checkpoint.is_ok());
  EXPECT_EQ(checkpoint->latest_state, TaskState::kFinished);
  manager_->recover(path("a"), *checkpoint);
  auto next_master = std::make_shared<FakeMaster>();
  manager_->resume(next_master);
  ASSERT_EQ(next_master->sent.size(), 1u);
  EXPECT_EQ(next_master->sent[0].state, TaskState::kRunning);
  add(finished);  // its executor sends it again after reconnecting: taken once
  manager_->acknowledge("fw", "a", next_master->sent[0].uuid);
  ASSERT_EQ(next_master->sent.size(), 2u);
  EXPECT_EQ(next_master->sent[1].uuid, finished.uuid);
  manager_->acknowledge("fw", "a", finished.uuid);
  EXPECT_EQ(ended_, (std::vector<std::string>{"a"}));
  EXPECT_FALSE(manager_->has_stream("fw", "a"));
  run_until([&] { return writer_->pending() == 0; });
  auto final_bytes = read_file(path("a"));
  ASSERT_TRUE(final_bytes.is_ok());
  EXPECT_TRUE(
      decode_checkpoint<UpdateStreamCheckpoint>(*final_bytes, "updates")->terminal_acknowledged);
}

TEST_F(StatusUpdateManagerTest, TellsWhenStreamsInMemoryAreDelivered) {
  manager_->open("fw", "a", "");
  manager_->open("fw", "b", path("b"));
  add(update("b", TaskState::kRunning));  // on disk: not waited for
  add(update("a", TaskState::kFinished));
  EXPECT_EQ(manager_->unsaved(), 1u);
  bool flushed = false;
  manager_->when_flushed([&] { flushed = true; });
  manager_->resume(master_);
  EXPECT_FALSE(flushed);
  for (const TaskStatus& sent : master_->sent) {
    if (sent.task_id == "a") manager_->acknowledge("fw", "a", sent.uuid);
  }
  EXPECT_TRUE(flushed);
}

}  // namespace
}  // namespace clusterctl
