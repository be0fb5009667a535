#include "fetcher/download.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "core/http/http.hpp"
#include "fetcher/local_source.hpp"
#include "fetcher/uri_spec.hpp"

namespace clusterctl {

namespace {

using Clock = std::chrono::steady_clock;

Status write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t written = ::write(fd, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return Status::io_error(std::string("cannot write: ") + std::strerror(errno));
    data += written;
    size -= static_cast<size_t>(written);
  }
  return Status::ok();
}

uint64_t bytes_allowed(const DownloadOptions& options) {
  return options.budget != nullptr ? options.budget->bytes_left() : UINT64_MAX;
}

// What the curl callbacks share.
struct Transfer {
  int fd = -1;
  const DownloadOptions* options = nullptr;
  uint64_t max_bytes = UINT64_MAX;
  uint64_t written = 0;
  Status write_error;
  uint64_t last_bytes = 0;
  Clock::time_point last_change = Clock::now();
  bool stalled = false;
  bool stopped = false;  // the budget's deadline or a cancellation
  bool too_big = false;
};

size_t on_data(char* data, size_t size, size_t count, void* context) {
  auto* transfer = static_cast<Transfer*>(context);
  if (size * count > transfer->max_bytes - transfer->written) {
    transfer->too_big = true;
    return 0;
  }
  Status written = write_all(transfer->fd, data, size * count);
  if (!written) {
    transfer->write_error = written;
    return 0;
  }
  transfer->written += size * count;
  return size * count;
}

int on_progress(void* context, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(context);
  const DownloadOptions& options = *transfer->options;
  if (options.budget != nullptr && (options.budget->cancelled() || options.budget->expired())) {
    transfer->stopped = true;
    return 1;
  }
  uint64_t bytes = static_cast<uint64_t>(now);
  Clock::time_point moment = Clock::now();
  if (bytes != transfer->last_bytes) {
    transfer->last_bytes = bytes;
    transfer->last_change = moment;
  } else if (moment - transfer->last_change > options.stall_timeout) {
    transfer->stalled = true;
    return 1;
  }
  if (options.progress) options.progress(bytes, static_cast<uint64_t>(total));
  return 0;
}

// No proxy for loopback, whatever the environment says.
std::string no_proxy_list() {
  std::string list = "localhost,127.0.0.1,::1";
  for (const char* name : {"no_proxy", "NO_PROXY"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') list += std::string(",") + value;
  }
  return list;
}

Status http_error(const std::string& uri, long code) {
  std::string text = "cannot fetch '" + uri + "': the server answered HTTP " +
                     std::to_string(code) + " (" + http_reason(static_cast<int>(code)) + ")";
  if (code == 404 || code == 410) return Status::not_found(text);
  if (code >= 500 || code == 408 || code == 429) return Status::unavailable(text);
  return Status::invalid(text);
}

Status curl_failure(const std::string& uri, CURLcode code, const char* detail,
                    const Transfer& transfer) {
  std::string what = "cannot fetch '" + uri + "'";
  std::string prefix = what + ": ";
  const FetchBudget* budget = transfer.options->budget;
  if (budget != nullptr && (transfer.stopped || code == CURLE_OPERATION_TIMEDOUT)) {
    Status stopped = budget->stopped(what);
    if (!stopped) return stopped;
  }
  if (budget != nullptr && (transfer.too_big || code == CURLE_FILESIZE_EXCEEDED)) {
    return budget->too_big(what);
  }
  if (transfer.stalled) {
    return Status::timeout(prefix + "no data arrived for " +
                           format_duration(transfer.options->stall_timeout) + " (stall timeout)");
  }
  if (!transfer.write_error.is_ok())
    return Status::io_error(prefix + transfer.write_error.message());
  std::string why = detail[0] != '\0' ? detail : curl_easy_strerror(code);
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
      return Status::unavailable(prefix + why);
    case CURLE_OPERATION_TIMEDOUT:
      return Status::timeout(prefix + why);
    default:
      return Status::invalid(prefix + why);
  }
}

Status fetch_remote(const std::string& uri, int fd, const DownloadOptions& options) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Status::internal("cannot start libcurl");
  Transfer transfer;
  transfer.fd = fd;
  transfer.options = &options;
  transfer.max_bytes = bytes_allowed(options);
  char detail[CURL_ERROR_SIZE] = {0};
  std::string no_proxy = no_proxy_list();
  curl_easy_setopt(curl, CURLOPT_URL, uri.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, no_proxy.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.stall_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "clusterctl-fetcher/" CLUSTERCTL_VERSION);
  if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
  if (options.budget != nullptr) {
    // Refused at once when the server announces a larger body; cut when one grows past it.
    if (transfer.max_bytes < static_cast<uint64_t>(INT64_MAX)) {
      curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                       static_cast<curl_off_t>(transfer.max_bytes));
    }
    // A backstop for the deadline; the progress callback cuts first.
    auto left = std::chrono::duration_cast<Duration>(options.budget->deadline() - Clock::now());
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(std::max<int64_t>(left.count(), 1) + 1000));
  }
  CURLcode code = curl_easy_perform(curl);
  long http_code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_code);
  curl_easy_cleanup(curl);
  if (http_code >= 400) return http_error(uri, http_code);
  if (code != CURLE_OK) return curl_failure(uri, code, detail, transfer);
  return Status::ok();
}

Status copy_local(const std::string& uri, const std::string& path, int fd,
                  const DownloadOptions& options) {
  auto opened = open_local_source(uri, path, options.allowed_dirs);
  if (!opened) return opened.status();
  int source = *opened;
  struct stat info;
  uint64_t total = ::fstat(source, &info) == 0 ? static_cast<uint64_t>(info.st_size) : 0;
  std::string what = "cannot fetch '" + uri + "'";
  uint64_t max_bytes = bytes_allowed(options);
  uint64_t copied = 0;
  Status result;
  char buffer[1 << 16];
  for (;;) {
    if (options.budget != nullptr) {
      result = options.budget->stopped(what);
      if (!result) break;
    }
    ssize_t size = ::read(source, buffer, sizeof(buffer));
    if (size < 0 && errno == EINTR) continue;
    if (size < 0) {
      result = Status::io_error(what + ": " + std::strerror(errno));
      break;
    }
    if (size == 0) break;
    if (static_cast<uint64_t>(size) > max_bytes - copied) {
      result = options.budget->too_big(what);
      break;
    }
    result = write_all(fd, buffer, static_cast<size_t>(size));
    if (!result) break;
    copied += static_cast<uint64_t>(size);
    if (options.progress) options.progress(copied, total);
  }
  ::close(source);
  return result;
}

}  // namespace

void init_downloads() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Status download_to_fd(const std::string& uri, int fd, const DownloadOptions& options) {
  std::string local = uri_local_path(uri);
  if (!local.empty()) return copy_local(uri, local, fd, options);
  init_downloads();
  return fetch_remote(uri, fd, options);
}

bool is_transient_download_error(const Status& status) {
  return status.kind() == ErrorKind::kUnavailable || status.kind() == ErrorKind::kTimeout;
}

}  // namespace clusterctl
