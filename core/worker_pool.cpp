#include "core/worker_pool.hpp"

#include <algorithm>

#include "core/asio.hpp"

namespace clusterctl {

WorkerPool::WorkerPool(asio::io_context& io, size_t threads)
    : io_(&io),
      pool_(std::make_unique<asio::thread_pool>(std::max<size_t>(1, threads))),
      alive_(std::make_shared<bool>(true)) {}

WorkerPool::~WorkerPool() {
  *alive_ = false;
  pool_->stop();  // queued work is dropped ...
  pool_->join();  // ... and running work finishes
}

void WorkerPool::submit(std::function<void()> work, std::function<void()> then) {
  std::weak_ptr<bool> alive = alive_;
  asio::io_context* io = io_;
  asio::post(*pool_, [io, alive, work = std::move(work), then = std::move(then)]() mutable {
    work();
    asio::post(*io, [alive, then = std::move(then)] {
      auto still = alive.lock();
      if (still && *still) then();
    });
  });
}

}  // namespace clusterctl
