#include "core/log_limiter.hpp"

#include "core/timer.hpp"

namespace clusterctl {

std::optional<std::string> LogLimiter::admit() {
  return admit_at(monotonic_millis());
}

std::optional<std::string> LogLimiter::admit_at(int64_t now_millis) {
  if (!started_ || now_millis - window_start_ >= interval_.count()) {
    started_ = true;
    window_start_ = now_millis;
    used_ = 0;
  }
  if (used_ >= lines_) {
    ++suppressed_;
    return std::nullopt;
  }
  ++used_;
  std::string note;
  if (suppressed_ > 0) note = " (" + std::to_string(suppressed_) + " more suppressed)";
  suppressed_ = 0;
  return note;
}

}  // namespace clusterctl
