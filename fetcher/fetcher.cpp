#include "fetcher/fetcher.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

bool cancelled(const FetchControl& control) {
  return control.cancelled != nullptr && control.cancelled->load();
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

std::string read_head(int fd) {
  std::string head(kSniffBytes, '\0');
  ssize_t size = ::pread(fd, head.data(), head.size(), 0);
  head.resize(size > 0 ? static_cast<size_t>(size) : 0);
  return head;
}

std::string without_gz(const std::string& name) {
  return name.size() > 3 ? name.substr(0, name.size() - 3) : name + ".out";
}

// A file in the sandbox written under a temporary name, renamed when whole.
class SandboxFile {
 public:
  SandboxFile(const std::string& sandbox, const std::string& name)
      : final_(sandbox + "/" + name), partial_(sandbox + "/.fetching-" + name) {}
  ~SandboxFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!kept_) ::unlink(partial_.c_str());
  }
  Status open() {
    fd_ = ::open(partial_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0)
      return Status::io_error("cannot write '" + partial_ + "': " + std::strerror(errno));
    return Status::ok();
  }
  int fd() const { return fd_; }
  Status keep(bool executable) {
    if (::fchmod(fd_, executable ? 0755 : 0644) != 0 ||
        ::rename(partial_.c_str(), final_.c_str()) != 0) {
      return Status::io_error("cannot write '" + final_ + "': " + std::strerror(errno));
    }
    kept_ = true;
    return Status::ok();
  }

 private:
  std::string final_;
  std::string partial_;
  int fd_ = -1;
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

bool Fetcher::backoff(Duration delay, const std::atomic<bool>* cancelled) {
  std::unique_lock lock(mutex_);
  wakeup_.wait_for(lock, delay, [&] { return cancelled != nullptr && cancelled->load(); });
  return cancelled == nullptr || !cancelled->load();
}

Status Fetcher::fetch(const std::vector<UriInfo>& uris, const std::string& sandbox,
                      const FetchControl& control) {
  for (size_t i = 0; i < uris.size(); ++i) {
    CLUSTERCTL_RETURN_IF_ERROR(fetch_one(uris[i], sandbox, control, i + 1, uris.size()));
  }
  return Status::ok();
}

Status Fetcher::download_checked(const UriInfo& uri, int fd, const FetchControl& control,
                                 size_t index, size_t count) {
  DownloadOptions download;
  download.stall_timeout = options_.stall_timeout;
  download.ca_file = options_.ca_file;
  download.cancelled = control.cancelled;
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
    if (!is_transient_download_error(fetched) || attempt >= options_.retries) {
      if (attempt > 0) {
        return Status(fetched.kind(),
                      fetched.message() + " (after " + std::to_string(attempt + 1) + " attempts)");
      }
      return fetched;
    }
    LOG(kInfo) << fetched.message() << "; trying again in " << format_duration(delay);
    if (!backoff(delay, control.cancelled)) {
      return Status::failed_precondition("cannot fetch '" + uri.value + "': cancelled");
    }
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

Status Fetcher::fetch_one(const UriInfo& uri, const std::string& sandbox,
                          const FetchControl& control, size_t index, size_t count) {
  CLUSTERCTL_RETURN_IF_ERROR(validate_uri(uri));
  std::string name = *uri_file_name(uri);
  SandboxFile file(sandbox, name);
  CLUSTERCTL_RETURN_IF_ERROR(file.open());
  int fd = file.fd();
  int cached_fd = -1;
  if (uri.cache && cache_) {
    auto acquired = cache_->acquire(
        uri.value, uri.sha256,
        [&](int into) { return download_checked(uri, into, control, index, count); },
        control.cancelled);
    if (!acquired) return acquired.status();
    cached_fd = *acquired;
  } else {
    CLUSTERCTL_RETURN_IF_ERROR(download_checked(uri, fd, control, index, count));
  }
  int source = cached_fd >= 0 ? cached_fd : fd;
  struct CloseCached {
    int fd;
    ~CloseCached() {
      if (fd >= 0) ::close(fd);
    }
  } close_cached{cached_fd};
  if (cancelled(control))
    return Status::failed_precondition("cannot fetch '" + uri.value + "': cancelled");

  ArchiveKind kind = uri.extract ? archive_kind_from_name(name) : ArchiveKind::kNone;
  if (uri.extract && kind == ArchiveKind::kNone && uri_has_query(uri.value)) {
    kind = archive_kind_from_content(read_head(source));
  }
  if (kind != ArchiveKind::kNone) {
    if (control.progress) control.progress({uri.value, index, count, 0, 0, "extracting"});
    Status extracted = extract_archive(source, kind, name, sandbox, without_gz(name));
    if (extracted || kind != ArchiveKind::kUnknownCompressed) return extracted;
    // Compressed data that is not a tar: keep it as it came.
    if (::lseek(source, 0, SEEK_SET) != 0) return Status::io_error("cannot read the download back");
  }
  if (source != fd) {
    Status copied = copy_fd(source, fd);
    if (!copied)
      return Status(copied.kind(),
                    "cannot copy '" + uri.value + "' from the cache: " + copied.message());
  }
  return file.keep(uri.executable);
}

}  // namespace clusterctl
