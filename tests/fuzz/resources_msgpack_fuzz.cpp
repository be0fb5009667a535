// Fuzzes the msgpack form of Resources (core/resources_msgpack.hpp), what
// offers, tasks and agents carry on the wire. The input is one msgpack value.
// Invariants: an accepted value is valid resources (it packs, unpacks and
// prints back to the same value); a refused one is an exception that
// RpcValue::as turns into an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/resources_msgpack.hpp"
#include "core/rpc/message.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace clusterctl;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  msgpack::object_handle handle;
  try {
    // The decoder's limits, scaled to this input.
    handle = msgpack::unpack(reinterpret_cast<const char*>(data), size, nullptr, nullptr,
                             msgpack::unpack_limit(size, size, size, size, size, 64));
  } catch (const std::exception&) {
    return 0;
  }
  RpcValue value{handle.get(), nullptr};
  auto resources = value.as<Resources>("resources");
  if (!resources) return 0;
  std::string shown = resources->to_string();
  auto parsed = Resources::parse(shown);
  FUZZ_CHECK(parsed && *parsed == *resources, shown);
  auto unpacked = unpack_payload<Resources>(pack_payload(*resources));
  FUZZ_CHECK(unpacked && *unpacked == *resources, shown);
  return 0;
}
