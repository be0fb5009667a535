// Resources in the DRF allocator's compact form: scalar entries keyed by
// (name id, role id), kept sorted, plus the rare non-scalar resources (port
// ranges, sets) as ordinary Resources. What an agent has free, an offer holds
// and a decline filter remembers are Bundles. Converting to and from
// Resources is the allocator's job (it owns the name and role ids).
// Plain value; not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "core/resources.hpp"
#include "plugins/allocators/drf/quantities.hpp"

namespace clusterctl::drf {

struct ScalarEntry {
  NameId name = 0;
  uint32_t role = 0;  // a DrfSorter role id
  int64_t millis = 0;
};

class Bundle {
 public:
  std::vector<ScalarEntry> scalars;  // sorted by (name, role); no zero entries
  Resources others;                  // ranges and sets

  bool empty() const { return scalars.empty() && others.empty(); }
  void clear();
  // Sorts and merges `scalars` after they were appended in any order.
  void normalize();

  Bundle& operator+=(const Bundle& other);
  // Subtracts what is there; scalars floor at 0.
  Bundle& operator-=(const Bundle& other);
  // Whether every entry of `other` fits in this one, (name, role) matching.
  bool contains(const Bundle& other) const;
  // Entry-wise minimum with `bound`: what of this is also in `bound`.
  void limit_to(const Bundle& bound);

  // The scalars summed over roles.
  Quantities quantities() const;
  // The scalars of one role (e.g. the unreserved ones), summed by name.
  Quantities quantities_of(uint32_t role) const;
  int64_t millis_of(NameId name) const;
  bool has_role(uint32_t role) const;

  // Lowers the total of `name` to at most `max_millis`, taking first from the
  // entries of role `first_role` (the unreserved ones), then from the others.
  void cap(NameId name, int64_t max_millis, uint32_t first_role);
  // Lowers the entries of `name` in role `role` to at most `max_millis`.
  void cap_role(NameId name, uint32_t role, int64_t max_millis);
  // Drops the scalar entries of `name`.
  void drop(NameId name);
};

}  // namespace clusterctl::drf
