// One transfer of one URI into an open file: http and https through libcurl
// (only those protocols, redirects included), file:// URIs and absolute
// paths by copying (fetcher/local_source.hpp says which). A transfer that
// moves no byte for `stall_timeout` is cut; with a FetchBudget, one that
// goes past the bytes left, past the deadline or is cancelled is cut too.
// It blocks: call from a worker thread. Thread-safe (each call has its own
// curl handle; call init_downloads() once first).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/duration.hpp"
#include "core/status.hpp"
#include "fetcher/fetch_budget.hpp"

namespace clusterctl {

struct DownloadOptions {
  Duration stall_timeout{30000};
  std::string ca_file;  // extra trusted CA certificates (PEM); empty: the system's
  std::vector<std::string> allowed_dirs;  // for local files; none: no local files
  const FetchBudget* budget = nullptr;    // bytes left, deadline, cancellation; null: none
  // Bytes so far and the total (0 while unknown), from the fetching thread.
  std::function<void(uint64_t bytes, uint64_t total)> progress;
};

// libcurl's global set-up; safe to call more than once.
void init_downloads();

// Appends the resource to `fd`. Errors say what went wrong in words:
//   unavailable  connection refused or reset, 5xx: trying again may help
//   timeout      the stall timeout, or the budget's deadline
//   not_found    HTTP 404 or 410, a missing local file
//   invalid      other HTTP errors, TLS failures, bad URIs, refused local files
//   failed_precondition  cancelled, or more than the budget's bytes left
Status download_to_fd(const std::string& uri, int fd, const DownloadOptions& options);

// Whether another attempt might succeed after this error.
bool is_transient_download_error(const Status& status);

}  // namespace clusterctl
