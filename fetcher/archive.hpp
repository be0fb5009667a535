// Archives fetched into a sandbox: which kind a file is, and extraction with
// libarchive (reading only) into a SandboxDir (fetcher/sandbox_dir.hpp),
// which writes every entry with *at() calls beneath the sandbox:
//
//  - names that are absolute or have a ".." component are refused, as are
//    names at the top that belong to the agent (stdout, stderr,
//    executor.log) and types other than file, directory, symbolic link and
//    hard link;
//  - a path whose parents lead out of the sandbox on disk (through links,
//    however chained) is refused; a symbolic link may point anywhere but
//    nothing is written through one;
//  - a hard link must name a file this archive extracted before it;
//  - what the entries expand to (their sizes as written, holes included)
//    and how many there are count against the fetch's FetchBudget, as does
//    its deadline;
//  - permissions are kept without set-id and sticky bits (directories keep
//    rwx for their owner), modification times of files too; owners are not.
// Blocking file work: call from a worker thread. Thread-safe.
#pragma once

#include <string>

#include "core/status.hpp"
#include "fetcher/fetch_budget.hpp"
#include "fetcher/sandbox_dir.hpp"

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

// Whether the data read from `fd` (from its current offset; it moves)
// starts with a tar or zip header once decompressed.
bool holds_archive(int fd);

// Extracts the archive read from `fd` into `sandbox`. For kGzip the one file
// is written as `gzip_output_name`. Errors name the archive and the
// offending entry ("refusing to extract 'a.tar': entry 'x/y': ...").
Status extract_archive(int fd, ArchiveKind kind, const std::string& archive_name,
                       const SandboxDir& sandbox, const std::string& gzip_output_name,
                       FetchBudget& budget);

}  // namespace clusterctl
