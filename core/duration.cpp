#include "core/duration.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace clusterctl {

namespace {

// The largest duration (ms) or size (bytes) accepted: 2^53, which doubles hold
// exactly (about 285,000 years; 8 PiB). Past it llround would overflow.
constexpr double kLargest = 9007199254740992.0;

// Splits "1.5s" into 1.5 and "s". Fails on a missing or negative number.
Status split_number(const std::string& text, const char* what, double* number, std::string* unit) {
  size_t end = 0;
  while (end < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.'))
    ++end;
  if (end == 0) {
    return Status::invalid("invalid " + std::string(what) + " '" + text +
                           "': expected a number followed by a unit");
  }
  char* parse_end = nullptr;
  std::string digits = text.substr(0, end);
  *number = std::strtod(digits.c_str(), &parse_end);
  if (parse_end != digits.c_str() + digits.size()) {
    return Status::invalid("invalid " + std::string(what) + " '" + text + "': bad number");
  }
  *unit = text.substr(end);
  return Status::ok();
}

}  // namespace

StatusOr<Duration> parse_duration(const std::string& text) {
  double number = 0;
  std::string unit;
  CLUSTERCTL_RETURN_IF_ERROR(split_number(text, "duration", &number, &unit));
  double millis = 0;
  if (unit == "ms") {
    millis = number;
  } else if (unit == "s") {
    millis = number * 1000;
  } else if (unit == "m") {
    millis = number * 60 * 1000;
  } else if (unit == "h") {
    millis = number * 3600 * 1000;
  } else if (unit == "d") {
    millis = number * 86400 * 1000;
  } else {
    return Status::invalid("invalid duration '" + text +
                           "': use a unit ms, s, m, h or d (e.g. 10s)");
  }
  if (millis > kLargest) {
    return Status::invalid("invalid duration '" + text + "': too long (at most 100000000d)");
  }
  return Duration(static_cast<int64_t>(std::llround(millis)));
}

std::string format_duration(Duration duration) {
  int64_t millis = duration.count();
  if (millis != 0 && millis % 86400000 == 0) return std::to_string(millis / 86400000) + "d";
  if (millis != 0 && millis % 3600000 == 0) return std::to_string(millis / 3600000) + "h";
  if (millis != 0 && millis % 60000 == 0) return std::to_string(millis / 60000) + "m";
  if (millis != 0 && millis % 1000 == 0) return std::to_string(millis / 1000) + "s";
  return std::to_string(millis) + "ms";
}

StatusOr<uint64_t> parse_size(const std::string& text) {
  double number = 0;
  std::string unit;
  CLUSTERCTL_RETURN_IF_ERROR(split_number(text, "size", &number, &unit));
  double factor = 0;
  if (unit.empty() || unit == "B") {
    factor = 1;
  } else if (unit == "KB") {
    factor = 1024.0;
  } else if (unit == "MB") {
    factor = 1024.0 * 1024;
  } else if (unit == "GB") {
    factor = 1024.0 * 1024 * 1024;
  } else if (unit == "TB") {
    factor = 1024.0 * 1024 * 1024 * 1024;
  } else {
    return Status::invalid("invalid size '" + text +
                           "': use a unit B, KB, MB, GB or TB (e.g. 512MB)");
  }
  if (number * factor > kLargest) {
    return Status::invalid("invalid size '" + text + "': too large (at most 8192TB)");
  }
  return static_cast<uint64_t>(std::llround(number * factor));
}

std::string format_size(uint64_t bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int unit = 0;
  while (unit < 4 && bytes != 0 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + units[unit];
}

}  // namespace clusterctl
