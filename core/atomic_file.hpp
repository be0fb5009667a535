// Small files that must survive a crash whole: the master's registry, the
// agent's checkpoints, address files. Blocking (disk and fsync): call from a
// worker thread, not from a daemon's event loop, unless at start-up.
// Thread-safe for distinct paths.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "core/status.hpp"

namespace clusterctl {

// Writes `content` to `path` so that readers see the old file or the whole new
// one, even after a crash: a temporary file next to it, fsync, rename, fsync
// of the directory.
Status write_file_atomic(const std::string& path, const std::string& content);

// The same guarantee for each of several files (each is old or wholly new
// after a crash), for the price of two file system syncs in all instead of
// two per file: every temporary file is written, the file systems holding
// them are synced (syncfs), every file is renamed into place, and they are
// synced again. Returns one Status per file, in order. A directory that does
// not exist is an error for its file, as with write_file_atomic. The files
// get `mode` (0600 for secrets).
std::vector<Status> write_files_atomic(
    const std::vector<std::pair<std::string, std::string>>& files, mode_t mode = 0644);

// The whole file; a missing file is kNotFound, other failures kIoError, each
// naming the path.
StatusOr<std::string> read_file(const std::string& path);

// mkdir -p; errors name the directory that could not be made.
Status make_directories(const std::string& path);

}  // namespace clusterctl
