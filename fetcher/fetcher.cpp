#include "fetcher/fetcher.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/log.hpp"
#include "fetcher/archive.hpp"
#include "fetcher/download.hpp"
#include "fetcher/sha256.hpp"
#include "fetcher/uri_spec.hpp"

namespace clusterctl {

namespace {

constexpr size_t kSniffBytes = 512;

std::string megabytes(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f MB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}

// Copies what `from` holds (from offset 0) into `to`.
Status copy_fd(int from, int to) {
  char buffer[1 << 16];
  for (;;) {
    ssize_t size = ::read(from, buffer, sizeof(buffer));
    if (size < 0 && errno == EINTR) continue;
    if (size < 0) return Status::io_error(std::string("cannot read: ") + std::strerror(errno));
    if (size == 0) return Status::ok();
    for (ssize_t done = 0; done < size;) {
      ssize_t written = ::write(to, buffer + done, static_cast<size_t>(size - done));
      if (written < 0 && errno == EINTR) continue;
      if (written < 0)
        return Status::io_error(std::string("cannot write: ") + std::strerror(errno));
      done += written;
    }
  }
}

uint64_t size_of(int fd) {
  struct stat info;
  return ::fstat(fd, &info) == 0 ? static_cast<uint64_t>(info.st_size) : 0;
}

std::string read_head(int fd) {
  std::string head(kSniffBytes, '\0');
  ssize_t size = ::pread(fd, head.data(), head.size(), 0);
  head.resize(size > 0 ? static_cast<size_t>(size) : 0);
  return head;
}

std::string without_gz(const std::string& name) {
  return name.size() > 3 ? name.substr(0, name.size() - 3) : name + ".out";
}

// A file at the top of the sandbox written under a temporary name,
// renamed when whole; removed unless kept.
class SandboxFile {
 public:
  SandboxFile(const SandboxDir& sandbox, const std::string& name)
      : sandbox_(sandbox), final_(name), partial_(".fetching-" + name) {}
  ~SandboxFile() {
    fd_.reset();
    if (!kept_) ::unlinkat(sandbox_.fd(), partial_.c_str(), 0);
  }
  Status open() {
    auto fd = sandbox_.create_file(partial_);
    if (!fd) {
      return Status(fd.status().kind(), "cannot write into the sandbox '" + sandbox_.path() +
                                            "': " + fd.status().message());
    }
    fd_ = std::move(fd).value();
    return Status::ok();
  }
  int fd() const { return fd_.get(); }
  Status keep(bool executable) {
    if (::fchmod(fd_.get(), executable ? 0755 : 0644) != 0) {
      return Status::io_error("cannot write '" + final_ + "': " + std::strerror(errno));
    }
    Status renamed = sandbox_.rename_top(partial_, final_);
    if (!renamed) return Status(renamed.kind(), "cannot write " + renamed.message());
    kept_ = true;
    return Status::ok();
  }

 private:
  const SandboxDir& sandbox_;
  std::string final_;
  std::string partial_;
  UniqueFd fd_;
  bool kept_ = false;
};

}  // namespace

std::string describe_progress(const FetchProgress& progress) {
  std::string text = progress.step + " " + progress.uri;
  if (progress.count > 1) {
    text += " (" + std::to_string(progress.index) + " of " + std::to_string(progress.count) + ")";
  }
  if (progress.step != "fetching") return text;
  text += ": " + megabytes(progress.bytes);
  if (progress.total > 0) text += " of " + megabytes(progress.total);
  return text;
}

Fetcher::Fetcher(FetcherOptions options) : options_(std::move(options)) {
  init_downloads();
}

Status Fetcher::open() {
  if (options_.cache_dir.empty()) return Status::ok();
  auto cache = std::make_unique<FetcherCache>(options_.cache_dir, options_.cache_size);
  Status opened = cache->open();
  if (!opened) return opened;
  cache_ = std::move(cache);
  return Status::ok();
}

void Fetcher::wake() {
  { std::lock_guard lock(mutex_); }
  wakeup_.notify_all();
  if (cache_) cache_->wake_waiters();
}

FetcherCache::Stats Fetcher::cache_stats() const {
  return cache_ ? cache_->stats() : FetcherCache::Stats{};
}

void Fetcher::backoff(Duration delay, const FetchBudget& budget) {
  std::unique_lock lock(mutex_);
  auto until = std::min(FetchBudget::Clock::now() + delay, budget.deadline());
  wakeup_.wait_until(lock, until, [&] { return budget.cancelled(); });
}

Status Fetcher::fetch(const std::vector<UriInfo>& uris, const std::string& sandbox_path,
                      const FetchControl& control) {
  auto sandbox = SandboxDir::open(sandbox_path);
  if (!sandbox) return sandbox.status();
  bool by_disk = control.disk_bytes > 0 && control.disk_bytes < options_.max_size;
  FetchBudget budget(by_disk ? control.disk_bytes : options_.max_size,
                     by_disk ? "the task's disk" : "--fetcher-max-size", options_.max_entries,
                     options_.timeout, control.cancelled);
  std::vector<std::string> before = sandbox->top_names();
  for (size_t i = 0; i < uris.size(); ++i) {
    Status fetched = fetch_one(uris[i], *sandbox, budget, control, i + 1, uris.size());
    if (fetched) continue;
    for (const std::string& name : sandbox->top_names()) {
      if (std::find(before.begin(), before.end(), name) == before.end()) sandbox->remove_top(name);
    }
    return fetched;
  }
  return Status::ok();
}

Status Fetcher::download_checked(const UriInfo& uri, int fd, const FetchBudget& budget,
                                 const FetchControl& control, size_t index, size_t count) {
  std::string what = "cannot fetch '" + uri.value + "'";
  DownloadOptions download;
  download.stall_timeout = options_.stall_timeout;
  download.ca_file = options_.ca_file;
  download.allowed_dirs = options_.allowed_dirs;
  download.budget = &budget;
  download.progress = [&](uint64_t bytes, uint64_t total) {
    if (control.progress) control.progress({uri.value, index, count, bytes, total, "fetching"});
  };
  Duration delay = options_.retry_backoff;
  for (int attempt = 0;; ++attempt) {
    if (::ftruncate(fd, 0) != 0 || ::lseek(fd, 0, SEEK_SET) != 0) {
      return Status::io_error(std::string("cannot reset the download file: ") +
                              std::strerror(errno));
    }
    Status fetched = download_to_fd(uri.value, fd, download);
    if (fetched) break;
    CLUSTERCTL_RETURN_IF_ERROR(budget.stopped(what));
    if (!is_transient_download_error(fetched) || attempt >= options_.retries) {
      if (attempt > 0) {
        return Status(fetched.kind(),
                      fetched.message() + " (after " + std::to_string(attempt + 1) + " attempts)");
      }
      return fetched;
    }
    LOG(kInfo) << fetched.message() << "; trying again in " << format_duration(delay);
    backoff(delay, budget);
    CLUSTERCTL_RETURN_IF_ERROR(budget.stopped(what));
    delay *= 2;
  }
  if (::lseek(fd, 0, SEEK_SET) != 0) return Status::io_error("cannot read the download back");
  if (!uri.sha256.empty()) {
    auto digest = sha256_of_fd(fd);
    if (!digest) return digest.status();
    if (*digest != uri.sha256) {
      return Status::invalid("checksum mismatch for '" + uri.value + "': expected sha256 " +
                             uri.sha256 + ", got " + *digest);
    }
    if (::lseek(fd, 0, SEEK_SET) != 0) return Status::io_error("cannot read the download back");
  }
  return Status::ok();
}

Status Fetcher::fetch_one(const UriInfo& uri, const SandboxDir& sandbox, FetchBudget& budget,
                          const FetchControl& control, size_t index, size_t count) {
  CLUSTERCTL_RETURN_IF_ERROR(validate_uri(uri));
  std::string what = "cannot fetch '" + uri.value + "'";
  CLUSTERCTL_RETURN_IF_ERROR(budget.stopped(what));
  std::string name = *uri_file_name(uri);
  SandboxFile file(sandbox, name);
  CLUSTERCTL_RETURN_IF_ERROR(file.open());
  int fd = file.fd();
  UniqueFd cached;
  if (uri.cache && cache_) {
    auto acquired = cache_->acquire(
        uri.value, uri.sha256,
        [&](int into) { return download_checked(uri, into, budget, control, index, count); },
        &budget);
    if (!acquired) return acquired.status();
    cached.reset(*acquired);
  } else {
    CLUSTERCTL_RETURN_IF_ERROR(download_checked(uri, fd, budget, control, index, count));
  }
  int source = cached.get() >= 0 ? cached.get() : fd;
  CLUSTERCTL_RETURN_IF_ERROR(budget.stopped(what));

  ArchiveKind kind = uri.extract ? archive_kind_from_name(name) : ArchiveKind::kNone;
  if (uri.extract && kind == ArchiveKind::kNone && uri_has_query(uri.value)) {
    kind = archive_kind_from_content(read_head(source));
  }
  if (kind == ArchiveKind::kUnknownCompressed) {
    // Compressed data that is not a tar is kept as it came.
    kind = holds_archive(source) ? ArchiveKind::kTar : ArchiveKind::kNone;
    if (::lseek(source, 0, SEEK_SET) != 0) return Status::io_error("cannot read the download back");
  }
  if (kind != ArchiveKind::kNone) {
    if (control.progress) control.progress({uri.value, index, count, 0, 0, "extracting"});
    return extract_archive(source, kind, name, sandbox, without_gz(name), budget);
  }
  if (!budget.add_bytes(size_of(source))) return budget.too_big(what);
  if (source != fd) {
    Status copied = copy_fd(source, fd);
    if (!copied)
      return Status(copied.kind(),
                    "cannot copy '" + uri.value + "' from the cache: " + copied.message());
  }
  return file.keep(uri.executable);
}

}  // namespace clusterctl
