// Archives fetched into a sandbox: which kind a file is, and safe extraction
// with libarchive. Every entry is checked before anything is written: no
// absolute names, no ".." components, no hard links or symbolic links that
// point out of the destination, only files, directories and links; and
// libarchive refuses to write through a symbolic link on disk. Permissions
// are kept without set-id bits; owners are not.
// Blocking file work: call from a worker thread. Thread-safe.
#pragma once

#include <string>

#include "core/status.hpp"

namespace clusterctl {

enum class ArchiveKind {
  kNone,               // a plain file
  kTar,                // .tar, .tar.gz, .tgz, .tar.bz2, .tar.xz (the filter is found by content)
  kZip,                // .zip
  kGzip,               // .gz: one compressed file
  kUnknownCompressed,  // gzip/bzip2/xz data with no telling name: a tar, or kept as is
};

// From the file name's extension.
ArchiveKind archive_kind_from_name(const std::string& name);
// From the first bytes of the file (magic numbers).
ArchiveKind archive_kind_from_content(const std::string& head);

// Extracts the archive read from `fd` into `destination` (a directory that
// exists). For kGzip the one file is written as `gzip_output_name`.
// Errors name the archive and the offending entry.
Status extract_archive(int fd, ArchiveKind kind, const std::string& archive_name,
                       const std::string& destination, const std::string& gzip_output_name);

// Whether an entry name may be written below the destination: relative, no
// ".." component, not empty.
bool is_safe_entry_name(const std::string& name);
// Whether a symbolic link at entry `name` pointing at `target` stays inside.
bool is_safe_link_target(const std::string& name, const std::string& target);

}  // namespace clusterctl
