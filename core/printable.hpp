// Untrusted text shown in a message or a log line: control bytes written as
// \xNN and long text cut, so that a hostile name or command can neither
// forge lines nor flood a reply. Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace clusterctl {

// `text` with bytes below 0x20 and 0x7f as "\x0a", at most `max_bytes` of it
// followed by "... (N bytes)" when longer.
std::string printable(std::string_view text, size_t max_bytes = 64);

}  // namespace clusterctl
