#include "fetcher/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <vector>

namespace clusterctl {

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string part = path.substr(start, slash - start);
    if (!part.empty() && part != ".") parts.push_back(part);
    start = slash + 1;
  }
  return parts;
}

struct ReaderDeleter {
  void operator()(struct archive* reader) const { archive_read_free(reader); }
};
struct WriterDeleter {
  void operator()(struct archive* writer) const { archive_write_free(writer); }
};

std::string archive_error(struct archive* handle) {
  const char* text = archive_error_string(handle);
  return text != nullptr ? text : "unknown libarchive error";
}

Status refuse(const std::string& archive_name, const std::string& entry, const std::string& why) {
  return Status::invalid("refusing to extract '" + archive_name + "': entry '" + entry + "' " +
                         why);
}

// Checks one entry and points it below `destination`.
Status place_entry(struct archive_entry* entry, const std::string& archive_name,
                   const std::string& destination) {
  const char* raw_name = archive_entry_pathname(entry);
  std::string name = raw_name != nullptr ? raw_name : "";
  if (!is_safe_entry_name(name)) return refuse(archive_name, name, "escapes the sandbox");
  mode_t type = archive_entry_filetype(entry);
  if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) {
    return refuse(archive_name, name, "is not a file, directory or link");
  }
  const char* hardlink = archive_entry_hardlink(entry);
  if (hardlink != nullptr) {
    if (!is_safe_entry_name(hardlink)) {
      return refuse(archive_name, name, "is a hard link out of the sandbox");
    }
    archive_entry_copy_hardlink(entry, (destination + "/" + hardlink).c_str());
  }
  if (type == AE_IFLNK) {
    const char* target = archive_entry_symlink(entry);
    if (target == nullptr || !is_safe_link_target(name, target)) {
      return refuse(archive_name, name, "is a symbolic link out of the sandbox");
    }
  }
  archive_entry_set_perm(entry, archive_entry_perm(entry) & 0777);
  archive_entry_copy_pathname(entry, (destination + "/" + name).c_str());
  return Status::ok();
}

Status copy_data(struct archive* reader, struct archive* writer, const std::string& archive_name) {
  const void* block;
  size_t size;
  la_int64_t offset;
  for (;;) {
    int result = archive_read_data_block(reader, &block, &size, &offset);
    if (result == ARCHIVE_EOF) return Status::ok();
    if (result < ARCHIVE_WARN) {
      return Status::invalid("cannot read '" + archive_name + "': " + archive_error(reader));
    }
    if (archive_write_data_block(writer, block, size, offset) < ARCHIVE_WARN) {
      return Status::io_error("cannot write from '" + archive_name + "': " + archive_error(writer));
    }
  }
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

bool is_safe_entry_name(const std::string& name) {
  if (name.empty() || name.front() == '/') return false;
  std::vector<std::string> parts = components(name);
  if (parts.empty()) return false;
  for (const std::string& part : parts) {
    if (part == "..") return false;
  }
  return true;
}

bool is_safe_link_target(const std::string& name, const std::string& target) {
  if (target.empty() || target.front() == '/') return false;
  std::vector<std::string> resolved = components(name);
  resolved.pop_back();  // the link's own name: targets are relative to its directory
  for (const std::string& part : components(target)) {
    if (part != "..") {
      resolved.push_back(part);
    } else if (resolved.empty()) {
      return false;
    } else {
      resolved.pop_back();
    }
  }
  return true;
}

Status extract_archive(int fd, ArchiveKind kind, const std::string& archive_name,
                       const std::string& destination_dir, const std::string& gzip_output_name) {
  // Entries are written at absolute paths below the real destination (no
  // link in it), so that "no writing through links" holds for the whole path.
  std::error_code error;
  std::string destination = std::filesystem::canonical(destination_dir, error).string();
  if (error) {
    return Status::io_error("cannot extract '" + archive_name + "' into '" + destination_dir +
                            "': " + error.message());
  }
  std::unique_ptr<struct archive, ReaderDeleter> reader(archive_read_new());
  archive_read_support_filter_all(reader.get());
  if (kind == ArchiveKind::kGzip) {
    archive_read_support_format_raw(reader.get());
  } else {
    archive_read_support_format_tar(reader.get());
    archive_read_support_format_gnutar(reader.get());
    archive_read_support_format_zip(reader.get());
  }
  if (archive_read_open_fd(reader.get(), fd, 1 << 16) != ARCHIVE_OK) {
    return Status::invalid("cannot open archive '" + archive_name +
                           "': " + archive_error(reader.get()));
  }
  std::unique_ptr<struct archive, WriterDeleter> writer(archive_write_disk_new());
  archive_write_disk_set_options(writer.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                                   ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                   ARCHIVE_EXTRACT_SECURE_NODOTDOT);
  struct archive_entry* entry;
  for (;;) {
    int result = archive_read_next_header(reader.get(), &entry);
    if (result == ARCHIVE_EOF) break;
    if (result < ARCHIVE_WARN) {
      return Status::invalid("cannot read archive '" + archive_name +
                             "': " + archive_error(reader.get()));
    }
    if (kind == ArchiveKind::kGzip) {
      archive_entry_set_pathname(entry, gzip_output_name.c_str());
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_perm(entry, 0644);
    }
    CLUSTERCTL_RETURN_IF_ERROR(place_entry(entry, archive_name, destination));
    if (archive_write_header(writer.get(), entry) < ARCHIVE_WARN) {
      return Status::io_error("cannot extract '" + archive_name +
                              "': " + archive_error(writer.get()));
    }
    CLUSTERCTL_RETURN_IF_ERROR(copy_data(reader.get(), writer.get(), archive_name));
    if (archive_write_finish_entry(writer.get()) < ARCHIVE_WARN) {
      return Status::io_error("cannot extract '" + archive_name +
                              "': " + archive_error(writer.get()));
    }
  }
  return Status::ok();
}

}  // namespace clusterctl
