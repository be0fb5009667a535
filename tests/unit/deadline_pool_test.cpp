// DeadlinePool: results on the loop thread, an answer at the deadline when
// the work hangs, stuck threads replaced (up to a bound) so that other work
// goes on, a full queue refused, and a pool destroyed at once while one of
// its threads is blocked. Hanging work here waits on a Gate the test opens
// at its end, so that no thread outlives the test binary's run.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/deadline_pool.hpp"
#include "tests/unit/io_loop.hpp"

namespace clusterctl {
namespace {

// Work that blocks until the test opens it: a system call that hangs.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    --waiting_;
  }
  void open() {
    std::lock_guard guard(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  int waiting() {
    std::lock_guard guard(mutex_);
    return waiting_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
  int waiting_ = 0;
};

using Answers = std::vector<std::optional<StatusOr<std::string>>>;

class DeadlinePoolTest : public ::testing::Test {
 protected:
  void TearDown() override { gate_->open(); }

  // Runs a job on `pool` that answers `text`, after the gate if `hangs`.
  void run(DeadlinePool& pool, Duration deadline, std::string text, bool hangs) {
    size_t index = answers_.size();
    answers_.emplace_back();
    std::shared_ptr<Gate> gate = gate_;
    pool.run<std::string>(
        deadline,
        [gate, text, hangs] {
          if (hangs) gate->wait();
          return text;
        },
        [this, index](StatusOr<std::string> answer) { answers_[index] = std::move(answer); });
  }
  bool answered(size_t index) { return answers_[index].has_value(); }

  asio::io_context io_;
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  Answers answers_;
};

TEST_F(DeadlinePoolTest, AnswersWithTheResultOnTheLoopThread) {
  DeadlinePool pool(io_, {.threads = 2});
  run(pool, Duration(60000), "done", false);
  EXPECT_FALSE(answered(0)) << "never inline";
  ASSERT_TRUE(run_io_until(io_, [&] { return answered(0); }));
  ASSERT_TRUE(answers_[0]->is_ok());
  EXPECT_EQ(answers_[0]->value(), "done");
}

TEST_F(DeadlinePoolTest, HungWorkAnswersAtItsDeadlineAndOthersGoOn) {
  DeadlinePool pool(io_, {.threads = 2, .max_stuck = 4});
  run(pool, Duration(1000), "hung-1", true);
  run(pool, Duration(1000), "hung-2", true);
  ASSERT_TRUE(run_io_until(io_, [&] { return gate_->waiting() == 2; }));
  ASSERT_TRUE(run_io_until(io_, [&] { return answered(0) && answered(1); }));
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_FALSE(answers_[i]->is_ok());
    EXPECT_EQ(answers_[i]->status().kind(), ErrorKind::kTimeout);
    EXPECT_NE(answers_[i]->status().message().find("took longer than 1s"), std::string::npos);
  }
  EXPECT_EQ(pool.stuck(), 2u);
  // Both threads are blocked, yet new work is done by their replacements.
  run(pool, Duration(60000), "fresh", false);
  ASSERT_TRUE(run_io_until(io_, [&] { return answered(2); }));
  EXPECT_EQ(answers_[2]->value(), "fresh");
  EXPECT_EQ(gate_->waiting(), 2) << "the hung work has not come back";
  // When it does, its late results are dropped and the count comes down.
  gate_->open();
  EXPECT_TRUE(run_io_until(io_, [&] { return pool.stuck() == 0; }));
  run_io_for(io_, Duration(20));
  EXPECT_FALSE(answers_[0]->is_ok());
}

TEST_F(DeadlinePoolTest, StuckThreadsAreReplacedOnlyUpToTheBound) {
  DeadlinePool pool(io_, {.threads = 1, .max_stuck = 1});
  run(pool, Duration(1000), "hung-1", true);
  ASSERT_TRUE(run_io_until(io_, [&] { return gate_->waiting() == 1; }));
  ASSERT_TRUE(run_io_until(io_, [&] { return answered(0); }));
  run(pool, Duration(1000), "hung-2", true);  // on the one replacement
  ASSERT_TRUE(run_io_until(io_, [&] { return gate_->waiting() == 2; }));
  ASSERT_TRUE(run_io_until(io_, [&] { return answered(1); }));
  EXPECT_EQ(pool.stuck(), 2u);
  // No third thread: this waits in the queue and answers at its deadline.
  run(pool, Duration(50), "queued", false);
  ASSERT_TRUE(run_io_until(io_, [&] { return answered(2); }));
  EXPECT_EQ(answers_[2]->status().kind(), ErrorKind::kTimeout);
  gate_->open();
  ASSERT_TRUE(run_io_until(io_, [&] { return pool.stuck() == 0; }));
  run(pool, Duration(60000), "after", false);
  ASSERT_TRUE(run_io_until(io_, [&] { return answered(3); }));
  EXPECT_EQ(answers_[3]->value(), "after");
}

TEST_F(DeadlinePoolTest, AFullQueueIsRefusedAtOnce) {
  DeadlinePool pool(io_, {.threads = 1, .max_stuck = 0, .max_queued = 2});
  run(pool, Duration(60000), "hung", true);
  ASSERT_TRUE(run_io_until(io_, [&] { return gate_->waiting() == 1; }));
  run(pool, Duration(60000), "queued-1", false);
  run(pool, Duration(60000), "queued-2", false);
  run(pool, Duration(60000), "refused", false);
  ASSERT_TRUE(run_io_until(io_, [&] { return answered(3); }));
  EXPECT_EQ(answers_[3]->status().kind(), ErrorKind::kUnavailable);
  EXPECT_FALSE(answered(1));
  gate_->open();
  ASSERT_TRUE(run_io_until(io_, [&] { return answered(0) && answered(1) && answered(2); }));
  EXPECT_EQ(answers_[2]->value(), "queued-2");
}

TEST_F(DeadlinePoolTest, DestroyedAtOnceWhileAThreadIsBlocked) {
  auto pool = std::make_unique<DeadlinePool>(io_, DeadlinePoolOptions{.threads = 1});
  run(*pool, Duration(60000), "hung", true);
  run(*pool, Duration(60000), "queued", false);
  ASSERT_TRUE(run_io_until(io_, [&] { return gate_->waiting() == 1; }));
  pool.reset();  // returns although its thread is blocked
  gate_->open();
  run_io_for(io_, Duration(50));
  EXPECT_FALSE(answered(0)) << "no answer once the pool is gone";
  EXPECT_FALSE(answered(1));
}

}  // namespace
}  // namespace clusterctl
