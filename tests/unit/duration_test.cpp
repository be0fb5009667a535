#include "core/duration.hpp"

#include <gtest/gtest.h>

namespace clusterctl {
namespace {

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(parse_duration("500ms")->count(), 500);
  EXPECT_EQ(parse_duration("10s")->count(), 10000);
  EXPECT_EQ(parse_duration("1.5s")->count(), 1500);
  EXPECT_EQ(parse_duration("5m")->count(), 300000);
  EXPECT_EQ(parse_duration("2h")->count(), 7200000);
  EXPECT_EQ(parse_duration("0s")->count(), 0);
}

TEST(Duration, RejectsBadInputWithAHint) {
  for (const char* bad : {"", "10", "s", "-1s", "10x", "1.2.3s", "ten seconds"}) {
    auto parsed = parse_duration(bad);
    ASSERT_FALSE(parsed.is_ok()) << bad;
    EXPECT_NE(parsed.status().message().find("duration"), std::string::npos) << bad;
  }
}

TEST(Duration, FormatsShortest) {
  EXPECT_EQ(format_duration(Duration(1500)), "1500ms");
  EXPECT_EQ(format_duration(Duration(10000)), "10s");
  EXPECT_EQ(format_duration(Duration(300000)), "5m");
  EXPECT_EQ(format_duration(Duration(0)), "0ms");
  EXPECT_EQ(format_duration(Duration(int64_t{14} * 86400000)), "14d");
  EXPECT_EQ(format_duration(Duration(int64_t{25} * 3600000)), "25h");
}

TEST(Size, ParsesAndFormats) {
  EXPECT_EQ(*parse_size("512MB"), 512ull << 20);
  EXPECT_EQ(*parse_size("2GB"), 2ull << 30);
  EXPECT_EQ(*parse_size("100"), 100ull);
  EXPECT_FALSE(parse_size("2XB").is_ok());
  EXPECT_EQ(format_size(2ull << 30), "2GB");
  EXPECT_EQ(format_size(1000), "1000B");
}

// Found by fuzzing (tests/fuzz/regressions/duration): past 2^63 ms llround
// overflowed into a negative duration, and sizes wrapped around.
TEST(Duration, RefusesWhatDoesNotFit) {
  auto huge = parse_duration("99999999999999999999d");
  ASSERT_FALSE(huge.is_ok());
  EXPECT_NE(huge.status().message().find("too long"), std::string::npos);
  EXPECT_EQ(parse_duration("100000000d")->count(), int64_t{100000000} * 86400000);
  auto size = parse_size("99999999999999999999TB");
  ASSERT_FALSE(size.is_ok());
  EXPECT_NE(size.status().message().find("too large"), std::string::npos);
  EXPECT_EQ(*parse_size("8192TB"), uint64_t{1} << 53);
}

}  // namespace
}  // namespace clusterctl
