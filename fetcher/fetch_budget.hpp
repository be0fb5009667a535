// FetchBudget: what one task's fetch may still spend, and whether it has
// been called off.
//
//  - Bytes: what the fetch leaves in the sandbox (kept files and what
//    archives expand to, as written) is at most `max_bytes`, the smaller of
//    the task's disk and the agent's --fetcher-max-size; a single download
//    may not exceed what is left either, even one that is extracted and
//    removed afterwards.
//  - Entries: archive entries (files, directories, links, and the parent
//    directories they need) over the whole fetch, against millions of empty
//    files.
//  - Time: one deadline for the whole fetch (--fetcher-timeout), retries and
//    waits for another task's download included.
//
// Errors name the limit and where it comes from: "cannot fetch 'URI': more
// than 64MB (the task's disk)".
// Threading: used by the one thread running the fetch; `cancelled` is set by
// another thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "core/duration.hpp"
#include "core/status.hpp"

namespace clusterctl {

class FetchBudget {
 public:
  using Clock = std::chrono::steady_clock;

  // `bytes_source` says where max_bytes comes from ("the task's disk").
  FetchBudget(uint64_t max_bytes, std::string bytes_source, uint64_t max_entries, Duration timeout,
              const std::atomic<bool>* cancelled = nullptr);

  uint64_t bytes_left() const { return max_bytes_ - bytes_; }
  uint64_t bytes_used() const { return bytes_; }
  // Counts bytes now in the sandbox; false (and nothing counted) past the limit.
  bool add_bytes(uint64_t bytes);
  void remove_bytes(uint64_t bytes);
  // Counts one archive entry; false past the limit.
  bool add_entry();

  Clock::time_point deadline() const { return deadline_; }
  bool expired() const { return Clock::now() >= deadline_; }
  bool cancelled() const { return cancelled_ != nullptr && cancelled_->load(); }
  const std::atomic<bool>* cancel_flag() const { return cancelled_; }

  // "WHAT: more than 64MB (the task's disk)", failed_precondition.
  Status too_big(const std::string& what) const;
  // "WHAT: more than 250000 entries (--fetcher-max-entries)", failed_precondition.
  Status too_many_entries(const std::string& what) const;
  // "WHAT: fetch timed out after 10m (--fetcher-timeout)", timeout.
  Status timed_out(const std::string& what) const;
  // "WHAT: cancelled", failed_precondition.
  Status called_off(const std::string& what) const;
  // The deadline's or the cancellation's error when either happened, else OK.
  Status stopped(const std::string& what) const;

 private:
  uint64_t max_bytes_;
  std::string bytes_source_;
  uint64_t max_entries_;
  Duration timeout_;
  Clock::time_point deadline_;
  const std::atomic<bool>* cancelled_;
  uint64_t bytes_ = 0;
  uint64_t entries_ = 0;
};

}  // namespace clusterctl
