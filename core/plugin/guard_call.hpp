// The host's side of the plugin ABI's no-exception rule: every call into a
// plugin runs through guard_call(), so that an exception escaping a plugin
// (a bug in it: the ABI forbids it) becomes an error return with a message,
// not the end of the daemon that loaded it.
//
// Thread-safety: as the call's.
#pragma once

#include <cstddef>
#include <cstdio>

namespace clusterctl {

// Runs call() and returns what it returns; 1, with a message in error, when
// an exception escapes it.
template <typename Call>
int guard_call(char* error, size_t error_size, Call call) {
  try {
    return call();
  } catch (...) {
    std::snprintf(error, error_size,
                  "an exception escaped the plugin (a bug in the plugin: the plugin ABI "
                  "forbids it)");
    return 1;
  }
}

}  // namespace clusterctl
