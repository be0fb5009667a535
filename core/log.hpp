// Leveled logging to stderr.
//
//   LOG(kInfo) << "agent " << id << " registered";
//
// A line is written whole (one write per line) when the statement ends, so
// lines from several threads never interleave. The level is process-wide and
// set once at start-up (set_log_level); reading it is thread-safe.
#pragma once

#include <sstream>
#include <string>

#include "core/status.hpp"

namespace clusterctl {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Parses "debug", "info", "warning"/"warn", "error".
StatusOr<LogLevel> parse_log_level(const std::string& text);
void set_log_level(LogLevel level);
LogLevel log_level();
// A short name put on every line ("master", "agent"), set once at start-up.
void set_log_component(const std::string& name);

class LogLine {
 public:
  explicit LogLine(LogLevel level) : level_(level) {}
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;
  std::ostream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};

// Turns the stream expression into void so that LOG can sit in a ?: (which,
// unlike an if/else macro, cannot capture a caller's dangling else).
struct LogVoidify {
  void operator&(std::ostream&) {}
};

}  // namespace clusterctl

#define LOG(level)                                            \
  (::clusterctl::LogLevel::level < ::clusterctl::log_level()) \
      ? (void)0                                               \
      : ::clusterctl::LogVoidify() & ::clusterctl::LogLine(::clusterctl::LogLevel::level).stream()
