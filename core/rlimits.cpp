#include "core/rlimits.hpp"

#include <map>

namespace clusterctl {

namespace {

const std::map<std::string, int>& limit_names() {
  static const std::map<std::string, int> names = {
      {"as", RLIMIT_AS},           {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
      {"data", RLIMIT_DATA},       {"fsize", RLIMIT_FSIZE},       {"locks", RLIMIT_LOCKS},
      {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
      {"nofile", RLIMIT_NOFILE},   {"nproc", RLIMIT_NPROC},       {"rss", RLIMIT_RSS},
      {"rtprio", RLIMIT_RTPRIO},   {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
      {"stack", RLIMIT_STACK}};
  return names;
}

StatusOr<rlim_t> parse_limit_value(const std::string& text) {
  if (text == "unlimited") return RLIM_INFINITY;
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::invalid("'" + text + "' is not a number or 'unlimited'");
  }
  try {
    return static_cast<rlim_t>(std::stoull(text));
  } catch (const std::exception&) {
    return Status::invalid("'" + text + "' is too large");
  }
}

}  // namespace

StatusOr<ResourceLimit> parse_resource_limit(const std::string& name, const std::string& value) {
  auto found = limit_names().find(name);
  if (found == limit_names().end()) {
    std::string known;
    for (const auto& [known_name, resource] : limit_names()) {
      known += (known.empty() ? "" : ", ") + known_name;
    }
    return Status::invalid("unknown resource limit '" + name + "'; use one of " + known);
  }
  ResourceLimit limit;
  limit.resource = found->second;
  size_t colon = value.find(':');
  auto soft = parse_limit_value(value.substr(0, colon));
  if (!soft) return Status::invalid("resource limit " + name + ": " + soft.status().message());
  limit.soft = limit.hard = *soft;
  if (colon != std::string::npos) {
    auto hard = parse_limit_value(value.substr(colon + 1));
    if (!hard) return Status::invalid("resource limit " + name + ": " + hard.status().message());
    limit.hard = *hard;
  }
  if (limit.hard != RLIM_INFINITY && (limit.soft == RLIM_INFINITY || limit.soft > limit.hard)) {
    return Status::invalid("resource limit " + name + ": the soft limit is above the hard one");
  }
  return limit;
}

StatusOr<std::pair<std::string, std::string>> split_resource_limit(const std::string& text) {
  size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0) {
    return Status::invalid("'" + text + "' is not NAME=SOFT[:HARD], e.g. nofile=1024:4096");
  }
  std::pair<std::string, std::string> parts{text.substr(0, equals), text.substr(equals + 1)};
  auto parsed = parse_resource_limit(parts.first, parts.second);
  if (!parsed) return parsed.status();
  return parts;
}

}  // namespace clusterctl
