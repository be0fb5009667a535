#include "fetcher/fetcher_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/ids.hpp"
#include "fetcher/sha256.hpp"

namespace clusterctl {

namespace {

namespace fs = std::filesystem;

std::string errno_text() {
  return std::strerror(errno);
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Status sync_and_close(int fd, const std::string& path) {
  bool ok = ::fsync(fd) == 0;
  int error = errno;
  ::close(fd);
  if (!ok) return Status::io_error("cannot sync '" + path + "': " + std::strerror(error));
  return Status::ok();
}

Status write_meta(const std::string& path, uint64_t size, const std::string& sha256,
                  const std::string& uri) {
  std::string text = "size " + std::to_string(size) + "\nsha256 " +
                     (sha256.empty() ? "-" : sha256) + "\nuri " + uri + "\n";
  std::string partial = path + ".partial";
  int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::io_error("cannot write '" + partial + "': " + errno_text());
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  Status synced = sync_and_close(fd, partial);
  if (!written || !synced) {
    ::unlink(partial.c_str());
    return Status::io_error("cannot write '" + partial + "'");
  }
  if (::rename(partial.c_str(), path.c_str()) != 0) {
    return Status::io_error("cannot rename '" + partial + "': " + errno_text());
  }
  return Status::ok();
}

}  // namespace

FetcherCache::FetcherCache(std::string dir, uint64_t capacity_bytes)
    : dir_(std::move(dir)), capacity_(capacity_bytes) {}

std::string FetcherCache::data_path(const std::string& key) const {
  return dir_ + "/" + key + ".data";
}

std::string FetcherCache::meta_path(const std::string& key) const {
  return dir_ + "/" + key + ".meta";
}

Status FetcherCache::open() {
  std::error_code error;
  fs::create_directories(dir_, error);
  if (error) return Status::io_error("cannot create cache '" + dir_ + "': " + error.message());
  std::vector<std::pair<fs::file_time_type, std::string>> found;  // meta mtime, key
  for (const auto& item : fs::directory_iterator(dir_, error)) {
    std::string name = item.path().filename().string();
    if (!ends_with(name, ".meta")) {
      // Data is kept only through its metadata, below; the rest is partial.
      if (!ends_with(name, ".data")) fs::remove(item.path(), error);
      continue;
    }
    found.emplace_back(fs::last_write_time(item.path(), error), name.substr(0, name.size() - 5));
  }
  std::sort(found.begin(), found.end());
  std::lock_guard lock(mutex_);
  for (const auto& [time, key] : found) {
    std::ifstream meta(meta_path(key));
    Entry entry;
    std::string word;
    while (meta >> word) {
      if (word == "size") meta >> entry.size;
      if (word == "sha256") meta >> entry.sha256;
      if (word == "uri") std::getline(meta >> std::ws, entry.uri);
    }
    if (entry.sha256 == "-") entry.sha256.clear();
    struct stat info;
    bool whole = ::stat(data_path(key).c_str(), &info) == 0 &&
                 static_cast<uint64_t>(info.st_size) == entry.size && !entry.uri.empty();
    if (!whole) {
      ::unlink(meta_path(key).c_str());
      continue;
    }
    entry.last_used = ++tick_;
    used_ += entry.size;
    entries_[key] = entry;
  }
  for (const auto& item : fs::directory_iterator(dir_, error)) {
    std::string name = item.path().filename().string();
    if (ends_with(name, ".data") && entries_.count(name.substr(0, name.size() - 5)) == 0) {
      fs::remove(item.path(), error);
    }
  }
  evict_for(0);
  return Status::ok();
}

int FetcherCache::open_checked(const std::string& key, const Entry& entry) const {
  int fd = ::open(data_path(key).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat info;
  bool good = ::fstat(fd, &info) == 0 && static_cast<uint64_t>(info.st_size) == entry.size;
  if (good && !entry.sha256.empty()) {
    auto digest = sha256_of_fd(fd);
    good = digest && *digest == entry.sha256 && ::lseek(fd, 0, SEEK_SET) == 0;
  }
  if (!good) {
    ::close(fd);
    return -1;
  }
  return fd;
}

StatusOr<int> FetcherCache::acquire(const std::string& uri, const std::string& sha256,
                                    const Downloader& download, const FetchBudget* budget) {
  std::string key = sha256_hex(uri + "\n" + sha256);
  std::string what = "cannot fetch '" + uri + "'";
  auto stopped = [&] { return budget != nullptr && (budget->cancelled() || budget->expired()); };
  std::unique_lock lock(mutex_);
  for (;;) {
    if (stopped()) return budget->stopped(what);
    auto stored = entries_.find(key);
    if (stored != entries_.end()) {
      stored->second.last_used = ++tick_;
      Entry entry = stored->second;
      lock.unlock();
      int fd = open_checked(key, entry);
      if (fd >= 0) {
        ::utimensat(AT_FDCWD, meta_path(key).c_str(), nullptr, 0);  // LRU order survives restarts
        lock.lock();
        ++stats_.hits;
        return fd;
      }
      lock.lock();
      remove_entry(key);  // damaged on disk: fetch it again
      continue;
    }
    auto running = downloads_.find(key);
    if (running == downloads_.end()) break;
    std::shared_ptr<Download> other = running->second;
    auto done = [&] { return other->done || stopped(); };
    if (budget != nullptr) {
      changed_.wait_until(lock, budget->deadline(), done);
    } else {
      changed_.wait(lock, done);
    }
    if (other->done && !other->status.is_ok()) return other->status;
  }
  auto mine = std::make_shared<Download>();
  downloads_[key] = mine;
  ++stats_.misses;
  lock.unlock();

  uint64_t size = 0;
  std::string partial;
  StatusOr<int> fd = fill(key, download, &size, &partial);

  lock.lock();
  downloads_.erase(key);
  mine->done = true;
  if (fd) {
    Status committed = commit(key, Entry{uri, sha256, size, ++tick_}, partial);
    if (!committed) mine->status = committed;
  } else if (fd.status().kind() != ErrorKind::kFailedPrecondition &&
             fd.status().kind() != ErrorKind::kTimeout) {
    mine->status = fd.status();  // the resource's own fault: waiters fail the same way
  }  // cancelled, too big or too slow for this fetch: waiters find no entry and try themselves
  changed_.notify_all();
  return fd;
}

StatusOr<int> FetcherCache::fill(const std::string& key, const Downloader& download, uint64_t* size,
                                 std::string* partial) {
  *partial = dir_ + "/.partial-" + key + "-" + new_id("p");
  int fd = ::open(partial->c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Status::io_error("cannot write '" + *partial + "': " + errno_text());
  Status downloaded = download(fd);
  struct stat info;
  if (downloaded &&
      (::fsync(fd) != 0 || ::fstat(fd, &info) != 0 || ::lseek(fd, 0, SEEK_SET) != 0)) {
    downloaded = Status::io_error("cannot write '" + *partial + "': " + errno_text());
  }
  if (!downloaded) {
    ::close(fd);
    ::unlink(partial->c_str());
    return downloaded;
  }
  *size = static_cast<uint64_t>(info.st_size);
  return fd;
}

Status FetcherCache::commit(const std::string& key, Entry entry, const std::string& partial) {
  if (entry.size > capacity_) {
    ::unlink(partial.c_str());  // served once through the open descriptor, not kept
    return Status::ok();
  }
  evict_for(entry.size);
  if (::rename(partial.c_str(), data_path(key).c_str()) != 0) {
    Status error = Status::io_error("cannot store '" + partial + "': " + errno_text());
    ::unlink(partial.c_str());
    return error;
  }
  Status meta = write_meta(meta_path(key), entry.size, entry.sha256, entry.uri);
  if (!meta) {
    ::unlink(data_path(key).c_str());
    return Status::ok();  // the download itself is fine; it is just not kept
  }
  used_ += entry.size;
  entries_[key] = entry;
  return Status::ok();
}

void FetcherCache::evict_for(uint64_t size) {
  while (!entries_.empty() && used_ + size > capacity_) {
    auto oldest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& a, const auto& b) { return a.second.last_used < b.second.last_used; });
    remove_entry(oldest->first);
    ++stats_.evictions;
  }
}

void FetcherCache::remove_entry(const std::string& key) {
  auto found = entries_.find(key);
  if (found == entries_.end()) return;
  used_ -= found->second.size;
  // Paths first: `key` may be the erased entry's own key (evict_for).
  std::string meta = meta_path(key);
  std::string data = data_path(key);
  entries_.erase(found);
  ::unlink(meta.c_str());  // metadata first: without it the data is never served
  ::unlink(data.c_str());
}

void FetcherCache::wake_waiters() {
  std::lock_guard lock(mutex_);
  changed_.notify_all();
}

FetcherCache::Stats FetcherCache::stats() const {
  std::lock_guard lock(mutex_);
  Stats stats = stats_;
  stats.bytes = used_;
  stats.entries = entries_.size();
  return stats;
}

}  // namespace clusterctl
