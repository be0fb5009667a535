// The range arithmetic against a plain set of values, on random inputs near 0
// and near the largest value (where +1 and -1 overflow).
#include "core/value_ranges.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <set>

namespace clusterctl {
namespace {

using Values = std::set<uint64_t>;

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kUniverse = 200;  // values base .. base + 199

Values values_of(const ValueRanges& ranges) {
  Values values;
  for (const ValueRange& range : ranges) {
    for (uint64_t v = range.begin;; ++v) {
      values.insert(v);
      if (v == range.end) break;
    }
  }
  return values;
}

// Sorted, begin <= end, and no two ranges overlap or touch.
void expect_normalized(const ValueRanges& ranges) {
  for (size_t i = 0; i < ranges.size(); ++i) {
    EXPECT_LE(ranges[i].begin, ranges[i].end);
    if (i > 0) {
      EXPECT_GT(ranges[i].begin, ranges[i - 1].end + 1) << "ranges " << i - 1 << ", " << i;
    }
  }
}

class RandomRanges {
 public:
  RandomRanges(uint64_t base, unsigned seed) : base_(base), random_(seed) {}

  // Up to 12 ranges of up to 21 values each, in any order, overlapping.
  ValueRanges raw() {
    ValueRanges ranges(random_() % 13);
    for (ValueRange& range : ranges) {
      uint64_t begin = random_() % kUniverse;
      uint64_t end = std::min<uint64_t>(kUniverse - 1, begin + random_() % 21);
      range = {base_ + begin, base_ + end};
    }
    return ranges;
  }

 private:
  uint64_t base_;
  std::mt19937_64 random_;
};

class ValueRangesProperties : public ::testing::TestWithParam<uint64_t> {};

TEST_P(ValueRangesProperties, MatchAPlainSetOfValues) {
  RandomRanges random(GetParam(), 42);
  for (int round = 0; round < 3000; ++round) {
    ValueRanges raw_a = random.raw();
    ValueRanges raw_b = random.raw();
    ValueRanges a = normalize_ranges(raw_a);
    ValueRanges b = normalize_ranges(raw_b);
    expect_normalized(a);
    Values va = values_of(raw_a);
    Values vb = values_of(raw_b);
    ASSERT_EQ(values_of(a), va);

    ValueRanges both = union_ranges(a, b);
    expect_normalized(both);
    Values expected_union = va;
    expected_union.insert(vb.begin(), vb.end());
    ASSERT_EQ(values_of(both), expected_union);

    ValueRanges rest = subtract_ranges(a, b);
    expect_normalized(rest);
    Values expected_rest;
    for (uint64_t v : va) {
      if (vb.count(v) == 0) expected_rest.insert(v);
    }
    ASSERT_EQ(values_of(rest), expected_rest);

    bool all_in = std::includes(va.begin(), va.end(), vb.begin(), vb.end());
    ASSERT_EQ(ranges_contain(a, b), all_in);
    ASSERT_TRUE(ranges_contain(a, rest));
    ASSERT_TRUE(ranges_contain(both, a));
    ASSERT_TRUE(ranges_contain(both, b));
  }
}

INSTANTIATE_TEST_SUITE_P(NearZeroAndNearTheTop, ValueRangesProperties,
                         ::testing::Values(uint64_t{0}, kMax - (kUniverse - 1)));

TEST(ValueRanges, TheWholeDomain) {
  ValueRanges all{{0, kMax}};
  EXPECT_EQ(normalize_ranges({{5, kMax}, {0, 4}}), all);
  EXPECT_EQ(normalize_ranges({{0, kMax}, {kMax, kMax}}), all);
  EXPECT_EQ(union_ranges({{kMax, kMax}}, {{0, kMax - 1}}), all);
  EXPECT_EQ(subtract_ranges(all, {{1, kMax - 1}}), (ValueRanges{{0, 0}, {kMax, kMax}}));
  EXPECT_TRUE(subtract_ranges(all, all).empty());
  EXPECT_TRUE(ranges_contain(all, {{0, 0}, {7, 9}, {kMax, kMax}}));
  EXPECT_FALSE(ranges_contain({{0, kMax - 1}}, {{kMax, kMax}}));
}

TEST(ValueRanges, EmptyInputs) {
  EXPECT_TRUE(normalize_ranges({}).empty());
  EXPECT_TRUE(union_ranges({}, {}).empty());
  EXPECT_EQ(union_ranges({}, {{1, 2}}), (ValueRanges{{1, 2}}));
  EXPECT_TRUE(subtract_ranges({}, {{1, 2}}).empty());
  EXPECT_EQ(subtract_ranges({{1, 2}}, {}), (ValueRanges{{1, 2}}));
  EXPECT_TRUE(ranges_contain({}, {}));
  EXPECT_FALSE(ranges_contain({}, {{1, 1}}));
}

// 100,000 disjoint ranges, as a hostile agent offers them: the results are
// right (that they are also fast is bench/ranges_bench's business).
TEST(ValueRanges, ManyDisjointRanges) {
  constexpr uint64_t kCount = 100000;
  ValueRanges odd, even;
  for (uint64_t i = 0; i < kCount; ++i) {
    odd.push_back({4 * i + 1, 4 * i + 1});
    even.push_back({4 * i + 2, 4 * i + 2});
  }
  ValueRanges both = union_ranges(odd, even);  // [4i+1 - 4i+2]
  ASSERT_EQ(both.size(), kCount);
  EXPECT_EQ(both.back(), (ValueRange{4 * kCount - 3, 4 * kCount - 2}));
  EXPECT_EQ(subtract_ranges(both, even), odd);
  EXPECT_TRUE(subtract_ranges(odd, both).empty());
  EXPECT_TRUE(ranges_contain(both, odd));
  EXPECT_FALSE(ranges_contain(odd, both));
  ValueRanges reversed(both.rbegin(), both.rend());
  EXPECT_EQ(normalize_ranges(reversed), both);
}

}  // namespace
}  // namespace clusterctl
