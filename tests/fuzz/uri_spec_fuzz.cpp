// Fuzzes the artifact specs users give to `execute --uri`
// (fetcher/uri_spec.hpp). Invariants: an accepted spec names a plain file for
// the sandbox (no '/', not "." or "..", no NUL), validate_uri agrees with
// parse_uri_spec, and a sha256 is 64 lower-case hex digits.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fetcher/uri_spec.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace clusterctl;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto uri = parse_uri_spec(text);
  if (!uri) return 0;
  FUZZ_CHECK(validate_uri(*uri).is_ok(), text);
  auto name = uri_file_name(*uri);
  FUZZ_CHECK(name.is_ok(), text);
  const std::string& file = *name;
  FUZZ_CHECK(!file.empty() && file != "." && file != "..", text);
  FUZZ_CHECK(file.find('/') == std::string::npos, text);
  FUZZ_CHECK(file.find('\0') == std::string::npos, text);
  if (!uri->sha256.empty()) {
    FUZZ_CHECK(uri->sha256.size() == 64, text);
    FUZZ_CHECK(uri->sha256.find_first_not_of("0123456789abcdef") == std::string::npos, text);
  }
  std::string local = uri_local_path(uri->value);
  FUZZ_CHECK(local.empty() || local[0] == '/', text);
  return 0;
}
