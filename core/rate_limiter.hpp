// RateLimiter: lets actions through at most `permits` per `period`, evenly
// spaced (one every period/permits), in the order they were asked for; the
// others wait their turn. Without a limit every action runs at once.
//
//   auto limit = parse_rate_limit("1/10s");   // one per 10 seconds
//   RateLimiter limiter(io, *limit);
//   limiter.acquire([] { remove_agent(); });
//
// Threading: one io_context thread; actions run there (never inline from
// acquire, so a caller's state is settled first).
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "core/duration.hpp"
#include "core/status.hpp"
#include "core/timer.hpp"

namespace boost::asio {
class io_context;
}

namespace clusterctl {

struct RateLimit {
  int permits = 1;
  Duration period{1000};
};

// "N/DURATION" ("1/10s", "5/1m"); N a positive integer, DURATION positive.
StatusOr<RateLimit> parse_rate_limit(const std::string& text);
std::string format_rate_limit(const RateLimit& limit);

class RateLimiter {
 public:
  RateLimiter(boost::asio::io_context& io, std::optional<RateLimit> limit);

  void acquire(std::function<void()> action);
  // Actions waiting for their turn.
  size_t waiting() const { return waiting_.size(); }

 private:
  void release();

  boost::asio::io_context& io_;
  std::optional<RateLimit> limit_;
  std::deque<std::function<void()>> waiting_;
  int64_t next_permit_millis_ = 0;  // monotonic time of the next free permit
  Timer timer_;
};

}  // namespace clusterctl
