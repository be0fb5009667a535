// Fuzzes the HTTP request head parser (core/http/http.hpp) with what a client
// may send on a daemon's port (at most kMaxHttpHeadBytes). Invariants: an
// accepted head has a method, a path starting with '/', lower-case header
// names; url_decode never grows its input.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/http/http.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace clusterctl;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxHttpHeadBytes) return -1;
  std::string head(reinterpret_cast<const char*>(data), size);
  auto request = parse_http_head(head);
  if (request) {
    FUZZ_CHECK(!request->path.empty() && request->path[0] == '/', head);
    for (const auto& [name, value] : request->headers) {
      FUZZ_CHECK(!name.empty(), head);
      for (char c : name) {
        FUZZ_CHECK(std::tolower(static_cast<unsigned char>(c)) == static_cast<unsigned char>(c),
                   head);
      }
    }
    // What the daemons answer with must be well formed whatever was asked.
    HttpResponse response = http_error(404, "no route for " + request->path);
    std::string formatted = format_http_response(response);
    FUZZ_CHECK(formatted.rfind("HTTP/1.1 404", 0) == 0, head);
  }
  for (bool plus : {false, true}) {
    auto decoded = url_decode(head, plus);
    if (decoded) FUZZ_CHECK(decoded->size() <= head.size(), head);
  }
  return 0;
}
