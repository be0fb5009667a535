// FetcherHook: the fetcher (fetcher/fetcher.hpp) as the ContainerHook that
// brings a task's URIs into its sandbox before the executor starts. Fetches
// run on the hook's own worker threads; progress is reported at most once a
// second per task (and when each URI starts), and a kill cancels the fetch.
// A fetch writes at most the task's disk (when it asks for one) and ends by
// the fetcher's deadline, so that no URI holds a thread for long.
//
// Threading: the public methods and every callback run on the agent's
// io_context thread.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/worker_pool.hpp"
#include "daemons/agent/container_launcher.hpp"
#include "fetcher/fetcher.hpp"

namespace clusterctl {

class FetcherHook : public ContainerHook {
 public:
  using ProgressHandler =
      std::function<void(const std::string& container_id, const std::string& message)>;

  FetcherHook(boost::asio::io_context& io, FetcherOptions options, size_t threads,
              ProgressHandler on_progress);
  ~FetcherHook() override;

  // Opens the cache (an error leaves fetching working, uncached).
  Status open();

  std::string name() const override { return "fetcher"; }
  std::string failure_reason() const override { return "fetch failed"; }
  void prepare(const ContainerConfig& config, PrepareDone done) override;
  void cancel(const std::string& container_id) override;

 private:
  boost::asio::io_context& io_;
  Fetcher fetcher_;  // thread-safe: the fetches use it
  ProgressHandler on_progress_;
  std::map<std::string, std::shared_ptr<std::atomic<bool>>> cancelled_;  // fetches in progress
  std::shared_ptr<bool> alive_;  // false once destroyed: progress stops
  WorkerPool pool_;              // last: it goes first, waiting for the fetches
};

}  // namespace clusterctl
