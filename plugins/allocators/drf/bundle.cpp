#include "plugins/allocators/drf/bundle.hpp"

#include <algorithm>
#include <tuple>

namespace clusterctl::drf {

namespace {

bool entry_less(const ScalarEntry& a, const ScalarEntry& b) {
  return std::tie(a.name, a.role) < std::tie(b.name, b.role);
}

bool same_kind(const ScalarEntry& a, const ScalarEntry& b) {
  return a.name == b.name && a.role == b.role;
}

void drop_zeros(std::vector<ScalarEntry>& entries) {
  std::erase_if(entries, [](const ScalarEntry& entry) { return entry.millis <= 0; });
}

// The range of entries named `name` in sorted `entries`.
template <typename Entries>
auto name_range(Entries& entries, NameId name) {
  auto begin = std::lower_bound(entries.begin(), entries.end(), name,
                                [](const ScalarEntry& e, NameId n) { return e.name < n; });
  auto end = begin;
  while (end != entries.end() && end->name == name) ++end;
  return std::make_pair(begin, end);
}

}  // namespace

void Bundle::clear() {
  scalars.clear();
  if (!others.empty()) others = Resources();
}

void Bundle::normalize() {
  std::sort(scalars.begin(), scalars.end(), entry_less);
  std::vector<ScalarEntry> merged;
  merged.reserve(scalars.size());
  for (const ScalarEntry& entry : scalars) {
    if (!merged.empty() && same_kind(merged.back(), entry)) {
      merged.back().millis += entry.millis;
    } else {
      merged.push_back(entry);
    }
  }
  drop_zeros(merged);
  scalars = std::move(merged);
}

Bundle& Bundle::operator+=(const Bundle& other) {
  for (const ScalarEntry& entry : other.scalars) {
    auto at = std::lower_bound(scalars.begin(), scalars.end(), entry, entry_less);
    if (at != scalars.end() && same_kind(*at, entry)) {
      at->millis += entry.millis;
    } else if (entry.millis > 0) {
      scalars.insert(at, entry);
    }
  }
  if (!other.others.empty()) others += other.others;
  return *this;
}

Bundle& Bundle::operator-=(const Bundle& other) {
  auto it = scalars.begin();
  bool emptied = false;
  for (const ScalarEntry& entry : other.scalars) {
    it = std::lower_bound(it, scalars.end(), entry, entry_less);
    if (it == scalars.end()) break;
    if (!same_kind(*it, entry)) continue;
    it->millis = std::max<int64_t>(0, it->millis - entry.millis);
    emptied = emptied || it->millis == 0;
  }
  if (emptied) drop_zeros(scalars);
  if (!other.others.empty() && !others.empty()) others -= other.others;
  return *this;
}

bool Bundle::contains(const Bundle& other) const {
  auto it = scalars.begin();
  for (const ScalarEntry& entry : other.scalars) {
    it = std::lower_bound(it, scalars.end(), entry, entry_less);
    if (it == scalars.end() || !same_kind(*it, entry) || it->millis < entry.millis) return false;
  }
  return others.contains(other.others);
}

void Bundle::limit_to(const Bundle& bound) {
  for (ScalarEntry& entry : scalars) {
    auto at = std::lower_bound(bound.scalars.begin(), bound.scalars.end(), entry, entry_less);
    bool present = at != bound.scalars.end() && same_kind(*at, entry);
    entry.millis = present ? std::min(entry.millis, at->millis) : 0;
  }
  drop_zeros(scalars);
  if (!others.empty()) {
    Resources kept;
    for (const Resource& resource : others.items()) {
      Resources one;
      (void)one.add(resource);
      if (bound.others.contains(one)) kept += one;
    }
    others = std::move(kept);
  }
}

Quantities Bundle::quantities() const {
  Quantities result;
  for (const ScalarEntry& entry : scalars) result.add(entry.name, entry.millis);
  return result;
}

Quantities Bundle::quantities_of(uint32_t role) const {
  Quantities result;
  for (const ScalarEntry& entry : scalars) {
    if (entry.role == role) result.add(entry.name, entry.millis);
  }
  return result;
}

int64_t Bundle::millis_of(NameId name) const {
  auto [begin, end] = name_range(scalars, name);
  int64_t total = 0;
  for (auto it = begin; it != end; ++it) total += it->millis;
  return total;
}

bool Bundle::has_role(uint32_t role) const {
  return std::any_of(scalars.begin(), scalars.end(),
                     [role](const ScalarEntry& entry) { return entry.role == role; });
}

void Bundle::cap(NameId name, int64_t max_millis, uint32_t first_role) {
  auto [begin, end] = name_range(scalars, name);
  int64_t total = 0;
  for (auto it = begin; it != end; ++it) total += it->millis;
  int64_t excess = total - std::max<int64_t>(0, max_millis);
  if (excess <= 0) return;
  auto take = [&excess](ScalarEntry& entry) {
    int64_t taken = std::min(excess, entry.millis);
    entry.millis -= taken;
    excess -= taken;
  };
  for (auto it = begin; it != end && excess > 0; ++it) {
    if (it->role == first_role) take(*it);
  }
  for (auto it = begin; it != end && excess > 0; ++it) take(*it);
  drop_zeros(scalars);
}

void Bundle::cap_role(NameId name, uint32_t role, int64_t max_millis) {
  auto [begin, end] = name_range(scalars, name);
  bool emptied = false;
  for (auto it = begin; it != end; ++it) {
    if (it->role != role) continue;
    it->millis = std::min(it->millis, std::max<int64_t>(0, max_millis));
    emptied = emptied || it->millis == 0;
  }
  if (emptied) drop_zeros(scalars);
}

void Bundle::drop(NameId name) {
  std::erase_if(scalars, [name](const ScalarEntry& entry) { return entry.name == name; });
}

}  // namespace clusterctl::drf
