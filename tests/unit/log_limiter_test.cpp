// LogLimiter: a repeated warning is let through a few times per interval and
// the next line let through says how many were held back.
#include "core/log_limiter.hpp"

#include <gtest/gtest.h>

namespace clusterctl {
namespace {

TEST(LogLimiter, LetsThroughAtMostNPerInterval) {
  LogLimiter limiter(2, Duration(1000));
  EXPECT_EQ(limiter.admit_at(0), std::optional<std::string>(""));
  EXPECT_EQ(limiter.admit_at(10), std::optional<std::string>(""));
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(limiter.admit_at(20 + i % 900).has_value());
  EXPECT_EQ(limiter.suppressed(), 1000u);
}

TEST(LogLimiter, TheNextLineCountsTheSuppressedOnes) {
  LogLimiter limiter(1, Duration(1000));
  EXPECT_TRUE(limiter.admit_at(0).has_value());
  EXPECT_FALSE(limiter.admit_at(1).has_value());
  EXPECT_FALSE(limiter.admit_at(2).has_value());
  EXPECT_FALSE(limiter.admit_at(999).has_value());
  EXPECT_EQ(limiter.admit_at(1000), std::optional<std::string>(" (3 more suppressed)"));
  EXPECT_EQ(limiter.suppressed(), 0u);
  EXPECT_FALSE(limiter.admit_at(1001).has_value());
  EXPECT_EQ(limiter.admit_at(5000), std::optional<std::string>(" (1 more suppressed)"));
  EXPECT_EQ(limiter.admit_at(9000), std::optional<std::string>(""));
}

}  // namespace
}  // namespace clusterctl
