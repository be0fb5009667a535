// SHA-256 digests as lower-case hex (OpenSSL's EVP). Sha256 is a value
// used by one thread; the free functions are thread-safe.
#pragma once

#include <memory>
#include <string>

#include "core/status.hpp"

namespace clusterctl {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const char* data, size_t size);
  // The digest of everything given so far, 64 hex digits. Call once.
  std::string hex_digest();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string sha256_hex(const std::string& data);
// Reads the whole file from an open descriptor (from its current offset).
StatusOr<std::string> sha256_of_fd(int fd);
// 64 hex digits (either case).
bool is_sha256_hex(const std::string& text);

}  // namespace clusterctl
