// RateLimiter: "N/DURATION" parsing and the spacing of permits.
#include <gtest/gtest.h>

#include <chrono>

#include "core/asio.hpp"
#include "core/rate_limiter.hpp"
#include "core/timer.hpp"

namespace clusterctl {
namespace {

TEST(RateLimitTest, ParsesCountSlashDuration) {
  auto limit = parse_rate_limit("1/10s");
  ASSERT_TRUE(limit.is_ok()) << limit.status().message();
  EXPECT_EQ(limit->permits, 1);
  EXPECT_EQ(limit->period, Duration(10000));
  EXPECT_EQ(format_rate_limit(*parse_rate_limit("5/1m")), "5/1m");
  for (const char* bad : {"", "10s", "/10s", "0/10s", "-1/10s", "x/10s", "1/", "1/soon", "1/0s"}) {
    auto parsed = parse_rate_limit(bad);
    ASSERT_FALSE(parsed.is_ok()) << bad;
    EXPECT_NE(parsed.status().message().find("N/DURATION"), std::string::npos)
        << parsed.status().message();
  }
}

TEST(RateLimiterTest, WithoutALimitEverythingRunsInOrderAtOnce) {
  asio::io_context io;
  RateLimiter limiter(io, std::nullopt);
  std::vector<int> ran;
  for (int i = 0; i < 5; ++i) limiter.acquire([&, i] { ran.push_back(i); });
  EXPECT_TRUE(ran.empty()) << "never inline";
  io.run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(ran, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(RateLimiterTest, SpacesPermitsEvenlyInOrder) {
  asio::io_context io;
  RateLimiter limiter(io, RateLimit{2, Duration(400)});  // one every 200 ms
  std::vector<int64_t> at;
  int64_t start = monotonic_millis();
  for (int i = 0; i < 3; ++i) limiter.acquire([&] { at.push_back(monotonic_millis() - start); });
  EXPECT_EQ(limiter.waiting(), 2u);
  io.run_for(std::chrono::milliseconds(100));
  ASSERT_EQ(at.size(), 1u) << "the second waits for its permit";
  io.run_for(std::chrono::milliseconds(600));
  ASSERT_EQ(at.size(), 3u);
  EXPECT_GE(at[1] - at[0], 190);
  EXPECT_GE(at[2] - at[1], 190);
}

}  // namespace
}  // namespace clusterctl
