// FetcherCache: artifacts kept on the agent's disk so that tasks asking for
// the same URI (with the same checksum) do not download it again.
//
//  - Keyed by URI + sha256; bounded in bytes; the least recently used entries
//    are evicted first. An artifact larger than the whole cache is served
//    once and not kept.
//  - One download per key at a time: concurrent requests wait for it and
//    share its result; when it fails for a reason of its own fetch
//    (cancelled, its size limit, its deadline), the next waiter downloads.
//  - A corrupt or partial entry is never served: an entry is written to a
//    partial file, synced and renamed, then its metadata the same way; at
//    start-up partial files and entries whose metadata is missing or whose
//    size disagrees are removed; an entry with a checksum is verified again
//    each time it is served (and dropped if it no longer matches).
//
// Files: DIR/<key>.data, DIR/<key>.meta ("size N", "sha256 HEX", "uri URI").
// Thread-safe: a mutex guards the index; downloads and checks run outside it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.hpp"
#include "fetcher/fetch_budget.hpp"

namespace clusterctl {

class FetcherCache {
 public:
  // Writes the artifact to the descriptor (and checks it); called once per miss.
  using Downloader = std::function<Status(int fd)>;

  FetcherCache(std::string dir, uint64_t capacity_bytes);

  // Creates the directory and loads the entries found there.
  Status open();

  // A descriptor open for reading at offset 0 (the caller closes it), from
  // the cache or from `download`. Waits for a download of the same key in
  // progress, until the budget's deadline, or its cancellation and a
  // wake_waiters(). A null budget waits as long as it takes.
  StatusOr<int> acquire(const std::string& uri, const std::string& sha256,
                        const Downloader& download, const FetchBudget* budget);
  void wake_waiters();

  struct Stats {
    uint64_t bytes = 0;
    size_t entries = 0;
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t evictions = 0;
  };
  Stats stats() const;

 private:
  struct Entry {
    std::string uri;
    std::string sha256;
    uint64_t size = 0;
    uint64_t last_used = 0;  // a tick: larger is more recent
  };
  struct Download {
    bool done = false;
    Status status;
  };

  std::string data_path(const std::string& key) const;
  std::string meta_path(const std::string& key) const;
  // Opens a stored entry and checks its size (and checksum); -1 if it is bad.
  int open_checked(const std::string& key, const Entry& entry) const;
  StatusOr<int> fill(const std::string& key, const Downloader& download, uint64_t* size,
                     std::string* partial);
  // Under the lock: makes room, renames the partial file in, writes metadata.
  Status commit(const std::string& key, Entry entry, const std::string& partial);
  void evict_for(uint64_t size);
  void remove_entry(const std::string& key);

  std::string dir_;
  uint64_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Entry> entries_;  // by key
  std::map<std::string, std::shared_ptr<Download>> downloads_;
  uint64_t used_ = 0;
  uint64_t tick_ = 0;
  Stats stats_;
};

}  // namespace clusterctl
