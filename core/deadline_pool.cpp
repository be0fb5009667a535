#include "core/deadline_pool.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>

#include "core/asio.hpp"
#include "core/timer.hpp"

namespace clusterctl {

struct DeadlinePool::Shared {
  struct Job {
    uint64_t id = 0;
    std::function<void()> work;
  };

  std::mutex mutex;
  std::condition_variable wake;
  DeadlinePoolOptions options;
  asio::io_context* io = nullptr;
  DeadlinePool* owner = nullptr;  // null once the pool is destroyed: threads then leave
  std::deque<Job> queue;
  std::set<uint64_t> running;      // jobs a thread works on
  std::set<uint64_t> written_off;  // running jobs past their deadline
  size_t threads = 0;              // alive, stuck ones included
  size_t idle = 0;                 // waiting for a job
  size_t stuck = 0;

  size_t working_threads() const { return threads - stuck; }
  // Whether one more thread may start: fewer than `threads` are working,
  // and no more than `max_stuck` stuck ones are replaced.
  bool may_add_thread() const {
    return working_threads() < options.threads && threads < options.threads + options.max_stuck;
  }
};

// Starts one more detached thread (the caller holds the mutex). When the
// system has no thread to give, the pool goes on with those it has.
void DeadlinePool::add_thread(const std::shared_ptr<Shared>& shared) {
  try {
    std::thread(serve, shared).detach();
    ++shared->threads;
  } catch (const std::system_error&) {
  }
}

// A thread's life: jobs from the queue until the pool goes, or until it
// comes back from a job it was written off for and is no longer needed.
void DeadlinePool::serve(std::shared_ptr<Shared> shared) {
  std::unique_lock lock(shared->mutex);
  while (true) {
    ++shared->idle;
    shared->wake.wait(lock, [&] { return shared->owner == nullptr || !shared->queue.empty(); });
    --shared->idle;
    if (shared->owner == nullptr) break;
    Shared::Job job = std::move(shared->queue.front());
    shared->queue.pop_front();
    shared->running.insert(job.id);
    lock.unlock();
    try {
      job.work();
    } catch (...) {  // no result: run() answers an internal error
    }
    job.work = nullptr;
    lock.lock();
    shared->running.erase(job.id);
    if (shared->written_off.erase(job.id) > 0) {  // its answer went out already
      --shared->stuck;
      if (shared->working_threads() > shared->options.threads) break;  // it was replaced
      continue;
    }
    if (shared->owner == nullptr) break;
    asio::post(*shared->io, [shared, id = job.id] {
      DeadlinePool* owner = nullptr;
      {
        std::lock_guard guard(shared->mutex);
        owner = shared->owner;
      }
      if (owner != nullptr) owner->finished(id);  // alive: it is destroyed on this thread
    });
  }
  --shared->threads;
}

DeadlinePool::DeadlinePool(asio::io_context& io, DeadlinePoolOptions options)
    : io_(&io), shared_(std::make_shared<Shared>()) {
  if (options.threads == 0) options.threads = 1;
  shared_->options = options;
  shared_->io = io_;
  shared_->owner = this;
}

DeadlinePool::~DeadlinePool() {
  {
    std::lock_guard guard(shared_->mutex);
    shared_->owner = nullptr;
    shared_->queue.clear();
  }
  shared_->wake.notify_all();
  pending_.clear();  // their timers go with them: no `done` runs from now on
}

size_t DeadlinePool::stuck() const {
  std::lock_guard guard(shared_->mutex);
  return shared_->stuck;
}

void DeadlinePool::submit(Duration deadline, std::function<void()> work,
                          std::function<void(Status)> finish) {
  uint64_t id = next_id_++;
  {
    std::lock_guard guard(shared_->mutex);
    if (shared_->queue.size() >= shared_->options.max_queued) {
      std::shared_ptr<Shared> shared = shared_;
      asio::post(*io_, [shared, finish = std::move(finish)] {
        {
          std::lock_guard guard(shared->mutex);
          if (shared->owner == nullptr) return;  // the pool is gone (it goes on this thread)
        }
        finish(Status::unavailable(std::to_string(shared->options.max_queued) +
                                   " requests are already waiting; try again later"));
      });
      return;
    }
    shared_->queue.push_back({id, std::move(work)});
    if (shared_->idle < shared_->queue.size() && shared_->may_add_thread()) {
      add_thread(shared_);
    }
  }
  shared_->wake.notify_one();
  Pending& pending = pending_[id];
  pending.finish = std::move(finish);
  pending.deadline = std::make_unique<Timer>(*io_);
  pending.deadline->start(deadline, [this, id, deadline] { timed_out(id, deadline); });
}

void DeadlinePool::finished(uint64_t id) {
  auto found = pending_.find(id);
  if (found == pending_.end()) return;  // answered at its deadline already
  std::function<void(Status)> finish = std::move(found->second.finish);
  pending_.erase(found);
  finish(Status::ok());
}

void DeadlinePool::timed_out(uint64_t id, Duration deadline) {
  auto found = pending_.find(id);
  if (found == pending_.end()) return;
  std::function<void(Status)> finish = std::move(found->second.finish);
  std::unique_ptr<Timer> timer = std::move(found->second.deadline);  // it is firing: keep it
  pending_.erase(found);
  {
    std::lock_guard guard(shared_->mutex);
    if (shared_->running.count(id) > 0) {
      // Its thread is stuck: another takes its place while there is room.
      shared_->written_off.insert(id);
      ++shared_->stuck;
      if (!shared_->queue.empty() && shared_->may_add_thread()) {
        add_thread(shared_);
      }
    } else {
      std::erase_if(shared_->queue, [id](const Shared::Job& job) { return job.id == id; });
    }
  }
  finish(Status::timeout("it took longer than " + format_duration(deadline)));
}

}  // namespace clusterctl
