#include "core/ids.hpp"

#include <cstdio>
#include <mutex>
#include <random>

namespace clusterctl {

std::string new_id(const std::string& prefix) {
  // One generator for the process; the mutex makes it safe from any thread.
  static std::mutex mutex;
  static std::mt19937_64 generator{std::random_device{}()};
  uint64_t value;
  {
    std::lock_guard<std::mutex> lock(mutex);
    value = generator();
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(value));
  return prefix + "-" + hex;
}

bool is_valid_id(const std::string& id) {
  if (id.empty() || id.size() > 128 || id == "." || id == "..") return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace clusterctl
