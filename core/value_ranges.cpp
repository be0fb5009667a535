#include "core/value_ranges.hpp"

#include <algorithm>
#include <limits>

namespace clusterctl {

namespace {

constexpr uint64_t kMaxValue = std::numeric_limits<uint64_t>::max();

constexpr auto begins_before = [](const ValueRange& a, const ValueRange& b) {
  return a.begin < b.begin;
};

// Appends `range`, which begins no earlier than the last range of `out`,
// merging the two when they overlap or touch.
void append_merged(ValueRanges& out, const ValueRange& range) {
  bool touches = !out.empty() && (out.back().end == kMaxValue || range.begin <= out.back().end + 1);
  if (touches) {
    out.back().end = std::max(out.back().end, range.end);
  } else {
    out.push_back(range);
  }
}

}  // namespace

ValueRanges normalize_ranges(ValueRanges ranges) {
  // Ranges from the wire or another Resources usually come sorted already.
  if (!std::is_sorted(ranges.begin(), ranges.end(), begins_before)) {
    std::sort(ranges.begin(), ranges.end(), begins_before);
  }
  ValueRanges merged;
  merged.reserve(ranges.size());
  for (const ValueRange& range : ranges) append_merged(merged, range);
  return merged;
}

ValueRanges union_ranges(const ValueRanges& a, const ValueRanges& b) {
  ValueRanges merged;
  merged.reserve(a.size() + b.size());
  auto next_a = a.begin();
  auto next_b = b.begin();
  while (next_a != a.end() || next_b != b.end()) {
    bool take_a = next_b == b.end() || (next_a != a.end() && next_a->begin <= next_b->begin);
    append_merged(merged, take_a ? *next_a++ : *next_b++);
  }
  return merged;
}

ValueRanges subtract_ranges(const ValueRanges& from, const ValueRanges& removed) {
  ValueRanges result;
  result.reserve(from.size());
  auto cuts = removed.begin();
  for (ValueRange rest : from) {
    // Cuts that end before this range end before every later one too.
    while (cuts != removed.end() && cuts->end < rest.begin) ++cuts;
    bool anything_left = true;
    // A cut that ends inside this range is passed by the loop above for the
    // next one, so each cut is looked at at most twice.
    for (auto cut = cuts; cut != removed.end() && cut->begin <= rest.end; ++cut) {
      if (cut->begin > rest.begin) result.push_back({rest.begin, cut->begin - 1});
      if (cut->end >= rest.end) {
        anything_left = false;
        break;
      }
      rest.begin = cut->end + 1;  // cut->end < rest.end: no overflow
    }
    if (anything_left) result.push_back(rest);
  }
  return result;
}

bool ranges_contain(const ValueRanges& outer, const ValueRanges& inner) {
  auto candidate = outer.begin();
  for (const ValueRange& range : inner) {
    // The first outer range that does not end before `range` begins: being
    // normalized, `range` lies within it or within none.
    candidate = std::partition_point(candidate, outer.end(),
                                     [&range](const ValueRange& o) { return o.end < range.begin; });
    if (candidate == outer.end()) return false;
    if (candidate->begin > range.begin || candidate->end < range.end) return false;
  }
  return true;
}

}  // namespace clusterctl
