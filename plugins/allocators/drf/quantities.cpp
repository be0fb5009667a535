#include "plugins/allocators/drf/quantities.hpp"

#include <algorithm>

namespace clusterctl::drf {

NameId ResourceNames::intern(std::string_view name) {
  auto found = ids_.find(std::string(name));
  if (found != ids_.end()) return found->second;
  NameId id = static_cast<NameId>(names_.size());
  names_.emplace_back(name);
  ids_.emplace(names_.back(), id);
  return id;
}

std::optional<NameId> ResourceNames::find(std::string_view name) const {
  auto found = ids_.find(std::string(name));
  if (found == ids_.end()) return std::nullopt;
  return found->second;
}

void Quantities::set(NameId name, int64_t millis) {
  if (name >= millis_.size()) {
    if (millis == 0) return;
    millis_.resize(name + 1, 0);
  }
  millis_[name] = millis;
}

Quantities& Quantities::operator+=(const Quantities& other) {
  if (other.millis_.size() > millis_.size()) millis_.resize(other.millis_.size(), 0);
  for (size_t i = 0; i < other.millis_.size(); ++i) millis_[i] += other.millis_[i];
  return *this;
}

Quantities& Quantities::operator-=(const Quantities& other) {
  size_t common = std::min(millis_.size(), other.millis_.size());
  for (size_t i = 0; i < common; ++i)
    millis_[i] = std::max<int64_t>(0, millis_[i] - other.millis_[i]);
  return *this;
}

bool Quantities::operator==(const Quantities& other) const {
  size_t longest = std::max(millis_.size(), other.millis_.size());
  for (size_t i = 0; i < longest; ++i) {
    if (get(static_cast<NameId>(i)) != other.get(static_cast<NameId>(i))) return false;
  }
  return true;
}

bool Quantities::empty() const {
  return std::all_of(millis_.begin(), millis_.end(), [](int64_t millis) { return millis == 0; });
}

}  // namespace clusterctl::drf
