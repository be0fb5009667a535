// Sets of unsigned integers as ranges, the value of a ranges resource
// ("ports:[31000-32000,33000]"). A normalized vector of ranges is sorted by
// begin, non-overlapping and merged (no two ranges touch: [1-2],[3-4] is
// [1-4]), so that every operation below is one linear pass (or a binary
// search) over its inputs: a resource with 100,000 ranges costs
// milliseconds, not the seconds a pairwise comparison would take.
// Pure functions on values; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

namespace clusterctl {

// An inclusive range [begin, end].
struct ValueRange {
  uint64_t begin = 0;
  uint64_t end = 0;
  bool operator==(const ValueRange& other) const = default;
};

using ValueRanges = std::vector<ValueRange>;

// Sorts and merges any ranges (each with begin <= end). O(n log n).
ValueRanges normalize_ranges(ValueRanges ranges);

// The following take normalized inputs and return normalized results, in
// O(a + b) (contains: O(b log a)).
// Every value in a or b.
ValueRanges union_ranges(const ValueRanges& a, const ValueRanges& b);
// The values of `from` that are not in `removed`.
ValueRanges subtract_ranges(const ValueRanges& from, const ValueRanges& removed);
// Whether every value of `inner` is in `outer`.
bool ranges_contain(const ValueRanges& outer, const ValueRanges& inner);

}  // namespace clusterctl
