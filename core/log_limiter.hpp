// LogLimiter: lets a repeated log line through at most `lines` times per
// `interval`; the lines it holds back are counted, and the next line let
// through says how many ("(12 more suppressed)"), so a flood of one warning
// (accept failures, refused peers) costs a few lines, not megabytes.
//
//   LogLimiter refused(5, Duration(10000));
//   if (auto note = refused.admit()) LOG(kWarning) << "refused " << peer << *note;
//
// Threading: not thread-safe; one limiter belongs to one thread (a server's
// io_context thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/duration.hpp"

namespace clusterctl {

class LogLimiter {
 public:
  LogLimiter(int lines, Duration interval) : lines_(lines), interval_(interval) {}

  // std::nullopt: suppress this line. Otherwise log it with the returned
  // suffix appended: "" or " (M more suppressed)".
  std::optional<std::string> admit();
  // The same at a given monotonic time (milliseconds), for tests.
  std::optional<std::string> admit_at(int64_t now_millis);

  // Lines held back since the last one let through.
  uint64_t suppressed() const { return suppressed_; }

 private:
  int lines_;
  Duration interval_;
  int64_t window_start_ = 0;
  int used_ = 0;
  bool started_ = false;
  uint64_t suppressed_ = 0;
};

}  // namespace clusterctl
