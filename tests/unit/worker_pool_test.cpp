// WorkerPool: results come back on the loop thread, and none after the pool
// is gone. Also part of thread_tests (ThreadSanitizer).
#include "core/worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/unit/io_loop.hpp"

namespace clusterctl {
namespace {

TEST(WorkerPoolTest, EveryResultArrivesOnTheLoopThread) {
  asio::io_context io;
  auto busy = asio::make_work_guard(io);  // results arrive while the loop waits
  WorkerPool pool(io, 4);
  std::thread::id loop_thread = std::this_thread::get_id();
  std::vector<int> results;  // loop thread only
  std::atomic<int> off_loop{0};
  for (int i = 0; i < 200; ++i) {
    pool.run<int>(
        [i, loop_thread, &off_loop] {
          if (std::this_thread::get_id() != loop_thread) ++off_loop;
          return i * 2;
        },
        [&results, loop_thread](int value) {
          EXPECT_EQ(std::this_thread::get_id(), loop_thread);
          results.push_back(value);
        });
  }
  ASSERT_TRUE(run_io_until(io, [&] { return results.size() == 200; }));
  EXPECT_EQ(off_loop.load(), 200);
  long sum = 0;
  for (int value : results) sum += value;
  EXPECT_EQ(sum, 2 * (199 * 200 / 2));
}

TEST(WorkerPoolTest, NoResultAfterThePoolIsDestroyed) {
  asio::io_context io;
  auto busy = asio::make_work_guard(io);
  std::atomic<bool> started{false};
  std::atomic<bool> release{false};
  bool done_ran = false;
  std::thread releaser;
  {
    WorkerPool pool(io, 1);
    pool.run<int>(
        [&] {
          started = true;
          while (!release) std::this_thread::yield();
          return 1;
        },
        [&](int) { done_ran = true; });
    pool.run<int>([] { return 2; }, [&](int) { done_ran = true; });  // queued, dropped
    while (!started) std::this_thread::yield();
    releaser = std::thread([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      release = true;
    });
  }  // waits for the running work
  releaser.join();
  run_io_for(io, Duration(50));
  EXPECT_FALSE(done_ran);
}

}  // namespace
}  // namespace clusterctl
