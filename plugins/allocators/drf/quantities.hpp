// Scalar quantities by resource name, the unit of the DRF allocator's
// bookkeeping: what a role or client holds, the cluster's totals, quota
// guarantees and limits. Resource names are interned to small dense ids
// (ResourceNames), so a Quantities is a short vector of millis indexed by
// name id; an id past its end is 0. Plain values; not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace clusterctl::drf {

using NameId = uint32_t;

class ResourceNames {
 public:
  // The id of `name`, a new one the first time.
  NameId intern(std::string_view name);
  std::optional<NameId> find(std::string_view name) const;
  const std::string& name(NameId id) const { return names_[id]; }
  size_t size() const { return names_.size(); }

 private:
  std::unordered_map<std::string, NameId> ids_;
  std::vector<std::string> names_;
};

class Quantities {
 public:
  int64_t get(NameId name) const { return name < millis_.size() ? millis_[name] : 0; }
  void set(NameId name, int64_t millis);
  void add(NameId name, int64_t millis) { set(name, get(name) + millis); }

  Quantities& operator+=(const Quantities& other);
  // Subtracts, flooring each name at 0.
  Quantities& operator-=(const Quantities& other);
  bool operator==(const Quantities& other) const;

  // True when every name is 0.
  bool empty() const;
  // One past the highest name id that may be non-zero.
  size_t size() const { return millis_.size(); }

 private:
  std::vector<int64_t> millis_;
};

}  // namespace clusterctl::drf
