// WorkerPool: blocking work (plugin calls, downloads, disk) kept off an
// event loop. run() does the work on one of the pool's threads and hands the
// result to `done` on the io_context's thread.
//
//   WorkerPool pool(io, 2);
//   pool.run<Status>([=] { return blocking_call(); },
//                    [this](Status result) { ... });  // on the loop thread
//
// Destroying the pool waits for the work running at that moment and drops
// what is queued; no `done` runs after that, so `done` may use its owner
// freely when the owner holds the pool (declare the pool last: it then goes
// first). `work` must not touch state of the loop thread.
//
// Threading: construct, run() and destroy on the io_context's thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>

namespace boost::asio {
class io_context;
class thread_pool;
}  // namespace boost::asio

namespace clusterctl {

class WorkerPool {
 public:
  WorkerPool(boost::asio::io_context& io, size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  template <typename Result>
  void run(std::function<Result()> work, std::function<void(Result)> done) {
    auto result = std::make_shared<std::optional<Result>>();
    submit([work = std::move(work), result] { result->emplace(work()); },
           [done = std::move(done), result] { done(std::move(**result)); });
  }

 private:
  void submit(std::function<void()> work, std::function<void()> then);

  boost::asio::io_context* io_;
  std::unique_ptr<boost::asio::thread_pool> pool_;
  std::shared_ptr<bool> alive_;  // false once destroyed (loop thread only)
};

}  // namespace clusterctl
