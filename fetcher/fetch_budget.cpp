#include "fetcher/fetch_budget.hpp"

namespace clusterctl {

FetchBudget::FetchBudget(uint64_t max_bytes, std::string bytes_source, uint64_t max_entries,
                         Duration timeout, const std::atomic<bool>* cancelled)
    : max_bytes_(max_bytes),
      bytes_source_(std::move(bytes_source)),
      max_entries_(max_entries),
      timeout_(timeout),
      deadline_(Clock::now() + timeout),
      cancelled_(cancelled) {}

bool FetchBudget::add_bytes(uint64_t bytes) {
  if (bytes > bytes_left()) return false;
  bytes_ += bytes;
  return true;
}

void FetchBudget::remove_bytes(uint64_t bytes) {
  bytes_ -= bytes < bytes_ ? bytes : bytes_;
}

bool FetchBudget::add_entry() {
  if (entries_ >= max_entries_) return false;
  ++entries_;
  return true;
}

Status FetchBudget::too_big(const std::string& what) const {
  return Status::failed_precondition(what + ": more than " + format_size(max_bytes_) + " (" +
                                     bytes_source_ + ")");
}

Status FetchBudget::too_many_entries(const std::string& what) const {
  return Status::failed_precondition(what + ": more than " + std::to_string(max_entries_) +
                                     " entries (--fetcher-max-entries)");
}

Status FetchBudget::timed_out(const std::string& what) const {
  return Status::timeout(what + ": fetch timed out after " + format_duration(timeout_) +
                         " (--fetcher-timeout)");
}

Status FetchBudget::called_off(const std::string& what) const {
  return Status::failed_precondition(what + ": cancelled");
}

Status FetchBudget::stopped(const std::string& what) const {
  if (cancelled()) return called_off(what);
  if (expired()) return timed_out(what);
  return Status::ok();
}

}  // namespace clusterctl
