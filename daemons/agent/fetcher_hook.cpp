#include "daemons/agent/fetcher_hook.hpp"

#include <chrono>

#include "core/asio.hpp"
#include "core/log.hpp"

namespace clusterctl {

namespace {
constexpr auto kProgressInterval = std::chrono::seconds(1);
}

FetcherHook::FetcherHook(asio::io_context& io, FetcherOptions options, size_t threads,
                         ProgressHandler on_progress)
    : io_(io),
      fetcher_(std::move(options)),
      on_progress_(std::move(on_progress)),
      alive_(std::make_shared<bool>(true)),
      pool_(io, threads) {}

FetcherHook::~FetcherHook() {
  *alive_ = false;
  for (auto& [id, flag] : cancelled_) flag->store(true);
  fetcher_.wake();  // the pool, destroyed next, waits for the fetches to stop
}

Status FetcherHook::open() {
  return fetcher_.open();
}

void FetcherHook::prepare(const ContainerConfig& config, PrepareDone done) {
  if (config.task.command.uris.empty()) {
    done(LaunchRequirements{});
    return;
  }
  std::string container_id = config.container_id;
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  cancelled_[container_id] = cancelled;
  // Progress goes to the loop thread as it comes, while the fetch runs.
  std::weak_ptr<bool> alive = alive_;
  auto report = [this, alive, container_id](const std::string& message) {
    auto still = alive.lock();
    if (still && *still && on_progress_) on_progress_(container_id, message);
  };
  // The task's disk (MB) bounds what the fetch may write, when it asks for one.
  auto disk_bytes = static_cast<uint64_t>(config.task.resources.scalar("disk") * 1024 * 1024);
  pool_.run<Status>(
      [this, cancelled, report, disk_bytes, uris = config.task.command.uris,
       sandbox = config.sandbox] {
        auto last = std::chrono::steady_clock::now() - kProgressInterval;
        size_t last_index = 0;
        FetchControl control;
        control.cancelled = cancelled.get();
        control.disk_bytes = disk_bytes;
        control.progress = [&](const FetchProgress& progress) {
          auto now = std::chrono::steady_clock::now();
          if (progress.index == last_index && progress.step == "fetching" &&
              now - last < kProgressInterval) {
            return;
          }
          last = now;
          last_index = progress.index;
          asio::post(io_, [report, message = describe_progress(progress)] { report(message); });
        };
        return fetcher_.fetch(uris, sandbox, control);
      },
      [this, container_id, done = std::move(done)](Status fetched) {
        cancelled_.erase(container_id);
        if (!fetched) {
          LOG(kWarning) << "container " << container_id << ": " << fetched.message();
          done(fetched);
          return;
        }
        done(LaunchRequirements{});
      });
}

void FetcherHook::cancel(const std::string& container_id) {
  auto found = cancelled_.find(container_id);
  if (found == cancelled_.end()) return;
  found->second->store(true);
  fetcher_.wake();
}

}  // namespace clusterctl
