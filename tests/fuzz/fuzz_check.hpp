// What the fuzz targets share: FUZZ_CHECK, an invariant that aborts (so
// libFuzzer saves the input as a crash) with the condition and the input's
// printable form. Single-threaded, like every libFuzzer target here.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace clusterctl::fuzz {

[[noreturn]] inline void fail(const char* condition, const char* file, int line,
                              const std::string& detail) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n  %s\n", file, line, condition,
               detail.c_str());
  std::abort();
}

}  // namespace clusterctl::fuzz

#define FUZZ_CHECK(condition, detail)                                                   \
  do {                                                                                  \
    if (!(condition)) ::clusterctl::fuzz::fail(#condition, __FILE__, __LINE__, detail); \
  } while (false)
