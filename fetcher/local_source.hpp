// Local sources of a fetch (file:///path URIs and absolute paths), which the
// agent reads as root: allowed only below the directories the operator
// listed (--fetcher-allowed-dirs; none by default, so only http and https
// work). The path is resolved by the kernel beneath the allowed directory
// (core/open_beneath.hpp): "..", absolute links and links leading out of it
// are refused, links staying inside are followed. The file is opened with
// O_NONBLOCK and must be a regular file: a FIFO, device, socket or
// directory is refused at once, without blocking or reading it.
// Thread-safe (system calls only).
#pragma once

#include <string>
#include <vector>

#include "core/status.hpp"

namespace clusterctl {

// A descriptor open for reading (the caller closes it). `uri` is for the
// messages, which name the flag to set.
StatusOr<int> open_local_source(const std::string& uri, const std::string& path,
                                const std::vector<std::string>& allowed_dirs);

// "a,b,,c" -> {"a", "b", "c"}
std::vector<std::string> split_dir_list(const std::string& list);

}  // namespace clusterctl
