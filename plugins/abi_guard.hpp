// What every in-tree plugin's C glue shares at the boundary of
// include/clusterctl/plugin.h: no exception may cross it. Each exported
// function runs its body through guarded() (or guarded_create()), which turns
// an error Status, and any exception at all (catch (...) included), into a
// non-zero return (or NULL) and a message in the caller's buffer. Reporting
// the error allocates nothing, so it cannot throw in turn.
//
// Thread-safety: as the body's.
#pragma once

#include <cstddef>
#include <cstdio>
#include <exception>
#include <memory>

#include "core/status.hpp"

namespace clusterctl::plugin_abi {

// Writes "<prefix><message>" into error, NUL-terminated, cut to error_size.
inline void set_error(char* error, size_t error_size, const char* prefix,
                      const char* message) noexcept {
  if (error == nullptr || error_size == 0) return;
  std::snprintf(error, error_size, "%s%s", prefix, message);
}

// Reports the exception being handled: "<what> threw: <its message>"; `what`
// names the plugin ("the allocator").
inline void set_exception_error(char* error, size_t error_size, const char* what) noexcept {
  char prefix[128];
  try {
    throw;
  } catch (const std::exception& e) {
    std::snprintf(prefix, sizeof(prefix), "%s threw: ", what);
    set_error(error, error_size, prefix, e.what());
  } catch (...) {
    std::snprintf(prefix, sizeof(prefix), "%s threw ", what);
    set_error(error, error_size, prefix, "an exception that is not a std::exception");
  }
}

// Runs body() (returning Status): 0 when OK, else 1 with its message or the
// exception's in error.
template <typename Body>
int guarded(const char* what, char* error, size_t error_size, Body&& body) noexcept {
  try {
    Status status = body();
    if (status) return 0;
    set_error(error, error_size, "", status.message().c_str());
  } catch (...) {
    set_exception_error(error, error_size, what);
  }
  return 1;
}

// Runs make() (returning StatusOr<std::unique_ptr<T>>): the instance, or
// NULL with the error's or the exception's message in error.
template <typename Make>
void* guarded_create(const char* what, char* error, size_t error_size, Make&& make) noexcept {
  try {
    auto made = make();
    if (made) return std::move(made).value().release();
    set_error(error, error_size, "", made.status().message().c_str());
  } catch (...) {
    set_exception_error(error, error_size, what);
  }
  return nullptr;
}

}  // namespace clusterctl::plugin_abi
