// Resource limits as users write them: NAME=SOFT[:HARD], NAME one of
// nofile, nproc, core, stack, cpu, as, fsize, memlock, data, rss, locks,
// sigpending, msgqueue, nice, rtprio, rttime; values a number or
// "unlimited"; HARD defaults to SOFT. Pure functions, thread-safe.
#pragma once

#include <sys/resource.h>

#include <string>

#include "core/status.hpp"

namespace clusterctl {

struct ResourceLimit {
  int resource = 0;  // RLIMIT_*
  rlim_t soft = RLIM_INFINITY;
  rlim_t hard = RLIM_INFINITY;
};

// name "nofile", value "1024:4096".
StatusOr<ResourceLimit> parse_resource_limit(const std::string& name, const std::string& value);
// "nofile=1024:4096" split at '=' and parsed as above.
StatusOr<std::pair<std::string, std::string>> split_resource_limit(const std::string& text);

}  // namespace clusterctl
