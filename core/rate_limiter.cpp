#include "core/rate_limiter.hpp"

#include <algorithm>
#include <cctype>

namespace clusterctl {

StatusOr<RateLimit> parse_rate_limit(const std::string& text) {
  auto invalid = [&](const std::string& why) {
    return Status::invalid("invalid rate limit '" + text + "': " + why +
                           " (write N/DURATION, e.g. 1/10s)");
  };
  size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0) return invalid("no N/");
  std::string count = text.substr(0, slash);
  if (!std::all_of(count.begin(), count.end(), [](unsigned char c) { return std::isdigit(c); }) ||
      count.size() > 9) {
    return invalid("'" + count + "' is not a whole number");
  }
  RateLimit limit;
  limit.permits = std::stoi(count);
  if (limit.permits <= 0) return invalid("N must be at least 1");
  auto period = parse_duration(text.substr(slash + 1));
  if (!period) return invalid(period.status().message());
  if (period->count() <= 0) return invalid("the duration must be positive");
  limit.period = *period;
  return limit;
}

std::string format_rate_limit(const RateLimit& limit) {
  return std::to_string(limit.permits) + "/" + format_duration(limit.period);
}

RateLimiter::RateLimiter(boost::asio::io_context& io, std::optional<RateLimit> limit)
    : io_(io), limit_(limit), timer_(io) {}

void RateLimiter::acquire(std::function<void()> action) {
  waiting_.push_back(std::move(action));
  if (!timer_.pending()) release();
}

void RateLimiter::release() {
  if (waiting_.empty()) return;
  int64_t now = monotonic_millis();
  if (limit_ && now < next_permit_millis_) {
    timer_.start(Duration(next_permit_millis_ - now), [this] { release(); });
    return;
  }
  std::function<void()> action = std::move(waiting_.front());
  waiting_.pop_front();
  if (limit_) next_permit_millis_ = now + limit_->period.count() / limit_->permits;
  post(io_, std::move(action));
  if (!waiting_.empty()) {
    Duration wait = limit_ ? Duration(next_permit_millis_ - now) : Duration(0);
    timer_.start(wait, [this] { release(); });
  }
}

}  // namespace clusterctl
