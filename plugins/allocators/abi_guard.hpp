// What the in-tree plugins share at the C boundary: no exception may cross
// it, so each C function runs its body through guarded(), which turns an
// exception into a non-zero return and a message in the caller's buffer.
// Thread-safety: as the body's.
#pragma once

#include <cstddef>
#include <cstring>
#include <exception>

namespace clusterctl {

// Copies a NUL-terminated message into error (at most error_size bytes).
inline void copy_error(const char* message, char* error, size_t error_size) {
  if (error_size == 0) return;
  std::strncpy(error, message, error_size - 1);
  error[error_size - 1] = '\0';
}

// Runs body(); returns 0, or 1 with the exception's message in error.
template <typename Body>
int guarded(char* error, size_t error_size, Body&& body) {
  try {
    body();
    return 0;
  } catch (const std::exception& e) {
    copy_error(e.what(), error, error_size);
    return 1;
  }
}

}  // namespace clusterctl
