// Fuzzes parse_duration and parse_size (core/duration.hpp), the forms users
// write in flags ("10s", "512MB"). Invariants: an accepted value is never
// negative and its printed form parses back to the same value.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/duration.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace clusterctl;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto duration = parse_duration(text);
  if (duration) {
    FUZZ_CHECK(duration->count() >= 0, text);
    std::string printed = format_duration(*duration);
    auto again = parse_duration(printed);
    FUZZ_CHECK(again && *again == *duration, text + " -> " + printed);
  }
  auto bytes = parse_size(text);
  if (bytes) {
    std::string printed = format_size(*bytes);
    auto again = parse_size(printed);
    FUZZ_CHECK(again && *again == *bytes, text + " -> " + printed);
  }
  return 0;
}
