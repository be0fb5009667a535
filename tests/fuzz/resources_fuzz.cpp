// Fuzzes the resource text syntax and arithmetic (core/resources.hpp): the
// input is two texts "A\nB". Invariants: parse(to_string(x)) == x, the flat
// map form round-trips, and for two parsed values a and b:
//   a contains a and nothing; (a + b) contains a and b;
//   if a contains b: (a - b) + b == a;
//   if a and b share no range value or set item: (a + b) - b == a.
// Sums that saturate (past the largest scalar) and names with two types are
// left out, as the arithmetic documents.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/resources.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace clusterctl;

namespace {

constexpr int64_t kSmall = int64_t{1} << 50;  // the parser's largest scalar

bool reparses(const Resources& value) {
  auto again = Resources::parse(value.to_string());
  if (!again || !(*again == value)) return false;
  auto flat = Resources::from_flat_map(value.to_flat_map());
  return flat && *flat == value;
}

const Resource* find(const Resources& resources, const Resource& like) {
  for (const Resource& entry : resources.items()) {
    if (entry.name == like.name && entry.role == like.role) return &entry;
  }
  return nullptr;
}

// Whether a + b is exact: no name with two types, no scalar sum past kSmall.
bool adds_exactly(const Resources& a, const Resources& b) {
  for (const Resource& right : b.items()) {
    for (const Resource& left : a.items()) {
      if (left.name == right.name && left.type != right.type) return false;
    }
    const Resource* left = find(a, right);
    if (left != nullptr && right.type == Resource::Type::kScalar &&
        left->scalar_millis + right.scalar_millis > kSmall) {
      return false;
    }
  }
  return true;
}

// Whether a and b have a range value or set item in common.
bool overlap(const Resources& a, const Resources& b) {
  for (const Resource& right : b.items()) {
    const Resource* left = find(a, right);
    if (left == nullptr || left->type == Resource::Type::kScalar) continue;
    Resources only_left;
    Resources only_right;
    only_left.add(*left);
    only_right.add(right);
    if (!((only_left - only_right) == only_left)) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string text_a = input.substr(0, newline);
  std::string text_b = newline == std::string::npos ? "" : input.substr(newline + 1);
  auto parsed_a = Resources::parse(text_a);
  auto parsed_b = Resources::parse(text_b);
  if (parsed_a) FUZZ_CHECK(reparses(*parsed_a), parsed_a->to_string());
  if (parsed_b) FUZZ_CHECK(reparses(*parsed_b), parsed_b->to_string());
  if (!parsed_a || !parsed_b) return 0;
  const Resources& a = *parsed_a;
  const Resources& b = *parsed_b;
  std::string shown = "a=" + a.to_string() + " b=" + b.to_string();

  FUZZ_CHECK(a.contains(a) && a.contains(Resources()), shown);
  if (adds_exactly(a, b)) {
    Resources sum = a + b;
    FUZZ_CHECK(sum.contains(a) && sum.contains(b), shown + " sum=" + sum.to_string());
    FUZZ_CHECK(reparses(sum), shown + " sum=" + sum.to_string());
    if (!overlap(a, b)) {
      Resources back = sum - b;
      FUZZ_CHECK(back == a, shown + " (a+b)-b=" + back.to_string());
    }
  }
  if (a.contains(b)) {
    Resources rest = a - b;
    FUZZ_CHECK(a.contains(rest), shown + " a-b=" + rest.to_string());
    FUZZ_CHECK(rest + b == a, shown + " a-b=" + rest.to_string());
  }
  Resources difference = a - b;
  FUZZ_CHECK(a.contains(difference), shown + " a-b=" + difference.to_string());
  return 0;
}
