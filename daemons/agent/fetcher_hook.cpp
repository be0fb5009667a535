#include "daemons/agent/fetcher_hook.hpp"

#include <chrono>

#include "core/asio.hpp"
#include "core/log.hpp"

namespace clusterctl {

namespace {
constexpr auto kProgressInterval = std::chrono::seconds(1);
}

struct FetcherHook::Shared {
  explicit Shared(FetcherOptions options) : fetcher(std::move(options)) {}
  Fetcher fetcher;
  bool alive = true;  // loop thread only
};

FetcherHook::FetcherHook(asio::io_context& io, FetcherOptions options, size_t threads,
                         ProgressHandler on_progress)
    : io_(io),
      shared_(std::make_shared<Shared>(std::move(options))),
      pool_(std::make_unique<asio::thread_pool>(std::max<size_t>(1, threads))),
      on_progress_(std::move(on_progress)) {}

FetcherHook::~FetcherHook() {
  shared_->alive = false;
  for (auto& [id, flag] : cancelled_) flag->store(true);
  shared_->fetcher.wake();
  pool_->join();
}

Status FetcherHook::open() {
  return shared_->fetcher.open();
}

void FetcherHook::prepare(const ContainerConfig& config, PrepareDone done) {
  if (config.task.command.uris.empty()) {
    done(LaunchRequirements{});
    return;
  }
  std::string container_id = config.container_id;
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  cancelled_[container_id] = cancelled;
  std::shared_ptr<Shared> shared = shared_;
  asio::io_context& io = io_;
  auto report = [this, shared, container_id](const std::string& message) {
    if (shared->alive && on_progress_) on_progress_(container_id, message);
  };
  asio::post(*pool_, [&io, shared, cancelled, report, container_id, uris = config.task.command.uris,
                      sandbox = config.sandbox, done = std::move(done), this]() mutable {
    auto last = std::chrono::steady_clock::now() - kProgressInterval;
    size_t last_index = 0;
    FetchControl control;
    control.cancelled = cancelled.get();
    control.progress = [&](const FetchProgress& progress) {
      auto now = std::chrono::steady_clock::now();
      if (progress.index == last_index && progress.step == "fetching" &&
          now - last < kProgressInterval) {
        return;
      }
      last = now;
      last_index = progress.index;
      asio::post(io, [report, message = describe_progress(progress)] { report(message); });
    };
    Status fetched = shared->fetcher.fetch(uris, sandbox, control);
    asio::post(io, [this, shared, container_id, fetched, done = std::move(done)] {
      if (!shared->alive) return;
      cancelled_.erase(container_id);
      if (!fetched) {
        LOG(kWarning) << "container " << container_id << ": " << fetched.message();
        done(fetched);
        return;
      }
      done(LaunchRequirements{});
    });
  });
}

void FetcherHook::cancel(const std::string& container_id) {
  auto found = cancelled_.find(container_id);
  if (found == cancelled_.end()) return;
  found->second->store(true);
  shared_->fetcher.wake();
}

}  // namespace clusterctl
