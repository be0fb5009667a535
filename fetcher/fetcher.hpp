// Fetcher: brings a task's artifacts (CommandInfo.uris) into its sandbox
// before the task starts: downloads (http, https, and file:// or paths below
// the allowed directories) with a stall timeout and retries with exponential
// backoff, the sha256 check, archives extracted, the executable bit, and the
// cache for URIs marked `cache`. Progress is reported as it goes.
//
// Hostile input harms nothing: everything is written beneath the sandbox
// through a SandboxDir (fetcher/sandbox_dir.hpp); one FetchBudget bounds the
// whole fetch of a task in bytes (the task's disk or max_size, whichever is
// smaller), archive entries and time (one deadline); local sources are
// checked by fetcher/local_source.hpp. A failed fetch removes what it had
// added to the sandbox.
//
// Archive type: from the file name's extension; when the URI has a query
// string and the name tells nothing, from the content. An extracted archive
// is not kept in the sandbox; `no-extract` keeps the file as it is.
//
// fetch() blocks: run it on a worker thread. Thread-safe: one Fetcher (and
// its cache) serves every worker thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/duration.hpp"
#include "core/messages.hpp"
#include "core/status.hpp"
#include "fetcher/fetch_budget.hpp"
#include "fetcher/fetcher_cache.hpp"
#include "fetcher/sandbox_dir.hpp"

namespace clusterctl {

struct FetcherOptions {
  std::string cache_dir;  // empty: no cache (URIs marked cache are fetched directly)
  uint64_t cache_size = 2ull << 30;
  Duration stall_timeout{30000};
  int retries = 3;               // more attempts after a transient failure
  Duration retry_backoff{1000};  // before the first retry; doubles each time
  std::string ca_file;
  uint64_t max_size = 2ull << 30;         // a task's whole fetch, unless its disk is smaller
  uint64_t max_entries = 250000;          // archive entries in a task's whole fetch
  Duration timeout{600000};               // a task's whole fetch, retries included
  std::vector<std::string> allowed_dirs;  // local files only below these; none: no local files
};

struct FetchProgress {
  std::string uri;
  size_t index = 0;  // 1-based, of count
  size_t count = 0;
  uint64_t bytes = 0;
  uint64_t total = 0;  // 0: unknown
  std::string step;    // "fetching", "extracting"
};

// "fetching http://h/app.tar.gz (1 of 2): 3.2 MB of 10.0 MB"
std::string describe_progress(const FetchProgress& progress);

struct FetchControl {
  const std::atomic<bool>* cancelled = nullptr;        // set it, then call Fetcher::wake()
  std::function<void(const FetchProgress&)> progress;  // from the fetching thread
  uint64_t disk_bytes = 0;                             // the task's disk; 0: it has none
};

class Fetcher {
 public:
  explicit Fetcher(FetcherOptions options);

  // Opens the cache; fetching works without it (and says so in the error).
  Status open();

  // Fetches every URI into `sandbox`, in order; stops at the first failure,
  // whose message names the URI and the reason, and removes what the fetch
  // had added to the sandbox.
  Status fetch(const std::vector<UriInfo>& uris, const std::string& sandbox,
               const FetchControl& control);

  // Wakes fetches waiting (backoff, another task's download) to look at
  // their cancel flags.
  void wake();

  FetcherCache::Stats cache_stats() const;

 private:
  Status fetch_one(const UriInfo& uri, const SandboxDir& sandbox, FetchBudget& budget,
                   const FetchControl& control, size_t index, size_t count);
  // Downloads into `fd` (from offset 0), retrying transient failures, and
  // checks the sha256.
  Status download_checked(const UriInfo& uri, int fd, const FetchBudget& budget,
                          const FetchControl& control, size_t index, size_t count);
  // Waits `delay`, or less when the fetch is cancelled or its deadline comes first.
  void backoff(Duration delay, const FetchBudget& budget);

  FetcherOptions options_;
  std::unique_ptr<FetcherCache> cache_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
};

}  // namespace clusterctl
