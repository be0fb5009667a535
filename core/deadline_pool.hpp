// DeadlinePool: blocking work that may never return (a read from a hung file
// system, an open that waits for a peer) kept off an event loop, with a
// deadline. run() queues `work` for one of the pool's threads and hands
// `done` its result on the io_context's thread, or a timeout error once the
// deadline passed first (the late result is then dropped).
//
//   DeadlinePool pool(io, {.threads = 4});
//   pool.run<Answer>(Duration{5000}, [path] { return read(path); },
//                    [this](StatusOr<Answer> answer) { ... });  // on the loop thread
//
// A worker still busy at its job's deadline is written off as stuck, and a
// new thread takes its place, so that one hung call holds no one else up;
// at most `max_stuck` stuck threads are replaced (beyond that, the queue
// waits for a stuck one to come back, and its jobs time out meanwhile). A
// stuck thread that comes back leaves if the pool has enough threads. A full
// queue answers at once with an unavailable error. Work is bounded, threads
// are bounded, and every `done` runs by its deadline.
//
// Why threads are abandoned rather than joined: a thread blocked in a
// system call (a FIFO's open, a read on a dead NFS server) cannot be woken
// from outside, so joining it could hang its owner, and a daemon's exit,
// forever. The threads are detached and share only what they own (the
// queue, the work's captures), so the pool is destroyed at once, whatever
// they are doing, and the process can exit under them. Hence `work` must
// capture by value what it uses (never `this` of the owner) and must not
// touch the loop thread's state. No `done` runs once the pool is destroyed.
//
// Threading: construct, run() and destroy on the io_context's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "core/duration.hpp"
#include "core/status.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

class Timer;

struct DeadlinePoolOptions {
  size_t threads = 4;       // working at the same time
  size_t max_stuck = 16;    // threads written off past a deadline that are replaced
  size_t max_queued = 256;  // jobs waiting for a thread; more are refused
};

class DeadlinePool {
 public:
  DeadlinePool(boost::asio::io_context& io, DeadlinePoolOptions options);
  ~DeadlinePool();
  DeadlinePool(const DeadlinePool&) = delete;
  DeadlinePool& operator=(const DeadlinePool&) = delete;

  template <typename Result>
  void run(Duration deadline, std::function<Result()> work,
           std::function<void(StatusOr<Result>)> done) {
    auto result = std::make_shared<std::optional<Result>>();
    submit(
        deadline, [work = std::move(work), result] { result->emplace(work()); },
        [done = std::move(done), result](Status status) {
          if (!status) {
            done(std::move(status));
          } else if (result->has_value()) {
            done(std::move(**result));
          } else {
            done(Status::internal("the work failed with an exception"));
          }
        });
  }

  // Threads written off as stuck that have not come back yet.
  size_t stuck() const;

  struct Shared;  // the queue and thread counts, shared with the threads (the .cpp's)

 private:
  struct Pending {
    std::unique_ptr<Timer> deadline;
    std::function<void(Status)> finish;
  };

  void submit(Duration deadline, std::function<void()> work, std::function<void(Status)> finish);
  static void add_thread(const std::shared_ptr<Shared>& shared);
  static void serve(std::shared_ptr<Shared> shared);  // one thread's life
  void finished(uint64_t id);                         // a worker's result, on the loop thread
  void timed_out(uint64_t id, Duration deadline);

  boost::asio::io_context* io_;
  std::shared_ptr<Shared> shared_;
  std::map<uint64_t, Pending> pending_;  // by job id; loop thread only
  uint64_t next_id_ = 1;
};

}  // namespace clusterctl
