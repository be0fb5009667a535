#include "fetcher/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <unordered_set>

namespace clusterctl {

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct ReaderDeleter {
  void operator()(struct archive* reader) const { archive_read_free(reader); }
};
using Reader = std::unique_ptr<struct archive, ReaderDeleter>;

std::string archive_error(struct archive* handle) {
  const char* text = archive_error_string(handle);
  return text != nullptr ? text : "unknown libarchive error";
}

Reader new_reader(ArchiveKind kind) {
  Reader reader(archive_read_new());
  archive_read_support_filter_all(reader.get());
  if (kind == ArchiveKind::kGzip) {
    archive_read_support_format_raw(reader.get());
  } else {
    archive_read_support_format_tar(reader.get());
    archive_read_support_format_gnutar(reader.get());
    archive_read_support_format_zip(reader.get());
  }
  return reader;
}

// "." and "./": the top of the archive, which is the sandbox itself.
bool names_the_top(const std::string& name) {
  return !name.empty() && name.find_first_not_of("./") == std::string::npos &&
         name.find("..") == std::string::npos;
}

Status write_all_at(int fd, const char* data, size_t size, off_t offset) {
  while (size > 0) {
    ssize_t written = ::pwrite(fd, data, size, offset);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return Status::io_error(std::strerror(errno));
    data += written;
    size -= static_cast<size_t>(written);
    offset += written;
  }
  return Status::ok();
}

// One archive being extracted.
class Extraction {
 public:
  Extraction(struct archive* reader, const std::string& archive_name, const SandboxDir& sandbox,
             FetchBudget& budget)
      : reader_(reader), name_(archive_name), sandbox_(sandbox), budget_(budget) {}

  Status entry(struct archive_entry* entry, const std::string& name);

 private:
  Status refuse(const std::string& entry, const std::string& why) const {
    return Status::invalid("refusing to extract '" + name_ + "': entry '" + entry + "' " + why);
  }
  // An error of the sandbox while writing `entry`.
  Status failed(const std::string& entry, const Status& error) const {
    std::string text = "'" + name_ + "': entry '" + entry + "': " + error.message();
    if (error.kind() == ErrorKind::kInvalidArgument)
      return Status::invalid("refusing to extract " + text);
    return Status(error.kind(), "cannot extract " + text);
  }
  // Counts the parent directories an entry needed.
  Status count_made(size_t made) {
    for (size_t i = 0; i < made; ++i) {
      if (!budget_.add_entry()) return budget_.too_many_entries("cannot extract '" + name_ + "'");
    }
    return Status::ok();
  }
  Status write_file(struct archive_entry* entry, const std::string& name, const std::string& path);

  struct archive* reader_;
  std::string name_;
  const SandboxDir& sandbox_;
  FetchBudget& budget_;
  std::unordered_set<std::string> files_;  // extracted regular files: what hard links may name
};

Status Extraction::entry(struct archive_entry* entry, const std::string& name) {
  std::string what = "cannot extract '" + name_ + "'";
  CLUSTERCTL_RETURN_IF_ERROR(budget_.stopped(what));
  mode_t type = archive_entry_filetype(entry);
  const char* hardlink = archive_entry_hardlink(entry);
  std::string path = normal_entry_path(name);
  if (path.empty()) {
    if (type == AE_IFDIR && hardlink == nullptr && names_the_top(name)) return Status::ok();
    return refuse(name, "escapes the sandbox");
  }
  if (is_reserved_sandbox_name(path.substr(0, path.find('/')))) {
    return refuse(name, "takes the name of the task's own '" + path.substr(0, path.find('/')) +
                            "' in the sandbox");
  }
  if (!budget_.add_entry()) return budget_.too_many_entries(what);
  size_t made = 0;
  Status done;
  if (hardlink != nullptr) {
    std::string target = normal_entry_path(hardlink);
    if (target.empty() || files_.count(target) == 0) {
      return refuse(name, std::string("is a hard link to '") + hardlink +
                              "', which is not a file extracted before it from this archive");
    }
    done = sandbox_.make_hardlink(path, target, &made);
    if (done) files_.insert(path);
  } else if (type == AE_IFREG) {
    return write_file(entry, name, path);
  } else if (type == AE_IFDIR) {
    done = sandbox_.make_directory(path, archive_entry_perm(entry), &made);
  } else if (type == AE_IFLNK) {
    const char* target = archive_entry_symlink(entry);
    if (target == nullptr || *target == '\0') return refuse(name, "is a link to nothing");
    done = sandbox_.make_symlink(path, target, &made);
  } else {
    return refuse(name, "is not a file, directory or link");
  }
  if (!done) return failed(name, done);
  return count_made(made);
}

Status Extraction::write_file(struct archive_entry* entry, const std::string& name,
                              const std::string& path) {
  std::string what = "cannot extract '" + name_ + "'";
  bool sized = archive_entry_size_is_set(entry) != 0;
  uint64_t size = sized ? static_cast<uint64_t>(archive_entry_size(entry)) : 0;
  if (sized && size > budget_.bytes_left()) return budget_.too_big(what);
  size_t made = 0;
  auto file = sandbox_.create_file(path, &made);
  if (!file) return failed(name, file.status());
  CLUSTERCTL_RETURN_IF_ERROR(count_made(made));
  files_.insert(path);
  uint64_t end = 0;  // what the file holds so far, holes included
  for (;;) {
    const void* block;
    size_t length;
    la_int64_t offset;
    int result = archive_read_data_block(reader_, &block, &length, &offset);
    if (result == ARCHIVE_EOF) break;
    if (result < ARCHIVE_WARN) {
      return Status::invalid("cannot read '" + name_ + "': " + archive_error(reader_));
    }
    CLUSTERCTL_RETURN_IF_ERROR(budget_.stopped(what));
    uint64_t block_end = static_cast<uint64_t>(offset) + length;
    if (block_end > end) {
      if (!budget_.add_bytes(block_end - end)) return budget_.too_big(what);
      end = block_end;
    }
    Status written = write_all_at(file->get(), static_cast<const char*>(block), length, offset);
    if (!written) return failed(name, written);
  }
  if (sized && size > end) {  // a hole at the end
    if (!budget_.add_bytes(size - end)) return budget_.too_big(what);
    if (::ftruncate(file->get(), static_cast<off_t>(size)) != 0)
      return failed(name, Status::io_error(std::strerror(errno)));
  }
  if (::fchmod(file->get(), archive_entry_perm(entry) & 0777) != 0)
    return failed(name, Status::io_error(std::strerror(errno)));
  if (archive_entry_mtime_is_set(entry)) {
    struct timespec times[2] = {{0, UTIME_OMIT},
                                {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)}};
    ::futimens(file->get(), times);
  }
  return Status::ok();
}

}  // namespace

ArchiveKind archive_kind_from_name(const std::string& name) {
  for (const char* suffix : {".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz"}) {
    if (ends_with(name, suffix)) return ArchiveKind::kTar;
  }
  if (ends_with(name, ".zip")) return ArchiveKind::kZip;
  if (ends_with(name, ".gz")) return ArchiveKind::kGzip;
  return ArchiveKind::kNone;
}

ArchiveKind archive_kind_from_content(const std::string& head) {
  auto has = [&](size_t offset, const std::string& magic) {
    return head.size() >= offset + magic.size() && head.compare(offset, magic.size(), magic) == 0;
  };
  if (has(0, std::string("PK\x03\x04", 4))) return ArchiveKind::kZip;
  if (has(257, "ustar")) return ArchiveKind::kTar;
  if (has(0, "\x1f\x8b") || has(0, "BZh") ||
      has(0, std::string("\xfd"
                         "7zXZ\0",
                         6))) {
    return ArchiveKind::kUnknownCompressed;
  }
  return ArchiveKind::kNone;
}

bool holds_archive(int fd) {
  Reader reader = new_reader(ArchiveKind::kTar);
  struct archive_entry* entry;
  return archive_read_open_fd(reader.get(), fd, 1 << 16) == ARCHIVE_OK &&
         archive_read_next_header(reader.get(), &entry) >= ARCHIVE_WARN;
}

Status extract_archive(int fd, ArchiveKind kind, const std::string& archive_name,
                       const SandboxDir& sandbox, const std::string& gzip_output_name,
                       FetchBudget& budget) {
  Reader reader = new_reader(kind);
  if (archive_read_open_fd(reader.get(), fd, 1 << 16) != ARCHIVE_OK) {
    return Status::invalid("cannot open archive '" + archive_name +
                           "': " + archive_error(reader.get()));
  }
  Extraction extraction(reader.get(), archive_name, sandbox, budget);
  struct archive_entry* entry;
  for (;;) {
    int result = archive_read_next_header(reader.get(), &entry);
    if (result == ARCHIVE_EOF) return Status::ok();
    if (result < ARCHIVE_WARN) {
      return Status::invalid("cannot read archive '" + archive_name +
                             "': " + archive_error(reader.get()));
    }
    std::string name;
    if (kind == ArchiveKind::kGzip) {
      name = gzip_output_name;
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_perm(entry, 0644);
    } else {
      const char* raw = archive_entry_pathname(entry);
      name = raw != nullptr ? raw : "";
    }
    CLUSTERCTL_RETURN_IF_ERROR(extraction.entry(entry, name));
  }
}

}  // namespace clusterctl
