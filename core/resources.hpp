// The resource model: what agents have, tasks need and offers carry.
//
// Text syntax (DESIGN.md): "cpus:2;mem:1024;disk:4096;ports:[31000-32000];gpus:0"
// with an optional role per resource, "cpus(ops):1". Three value types:
//   scalar  "cpus:0.5"                (kept exactly to 3 decimals, as Mesos does)
//   ranges  "ports:[31000-32000,33000-33010]"  (single values allowed: "[80]")
//   set     "zones:{a,b}"
// Resources with no role belong to the default role "*" (unreserved).
// Resources is a value type, normalized: one entry per (name, role), ranges
// merged and sorted, empty entries (0 scalars, empty ranges/sets) dropped.
// Not thread-safe for concurrent mutation; copies are independent.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/status.hpp"
#include "core/value_ranges.hpp"

namespace clusterctl {

struct Resource {
  enum class Type { kScalar, kRanges, kSet };

  std::string name;
  std::string role = "*";
  Type type = Type::kScalar;
  int64_t scalar_millis = 0;       // kScalar: value x 1000 (0.001 resolution)
  std::vector<ValueRange> ranges;  // kRanges: sorted, merged, non-overlapping
  std::set<std::string> items;     // kSet

  double scalar() const { return static_cast<double>(scalar_millis) / 1000.0; }
  bool empty() const;
  // "cpus(ops):1.5", "ports:[31000-32000]", "zones:{a,b}"
  std::string to_string() const;
  bool operator==(const Resource& other) const = default;
};

// Checks a role name: "*" or segments of [A-Za-z0-9_.-] joined by "/",
// no empty segment, no "." or ".." segment ("eng/ml/training").
Status validate_role(const std::string& role);

// Whether `ancestor` is `role` itself or one of its ancestors in the role
// tree: "eng" holds "eng" and "eng/ml/training" but not "engineering".
// Resources reserved for `ancestor` may be used by frameworks in `role`.
// "*" holds only "*".
bool role_includes(const std::string& ancestor, const std::string& role);

class Resources {
 public:
  Resources() = default;

  // Parses the text syntax. Duplicate (name, role) entries are added up.
  // Errors name the bad part: "invalid resources 'cpus:abc': 'abc' is not a
  // number". Negative values, bad roles, malformed ranges (begin > end) and
  // mixing types for one name are errors. "" parses to empty Resources.
  static StatusOr<Resources> parse(const std::string& text);

  // The text syntax, entries sorted by name then role; "" when empty.
  // parse(to_string()) == *this.
  std::string to_string() const;

  bool empty() const { return items_.empty(); }
  const std::vector<Resource>& items() const { return items_; }

  // Adds one resource (merging with an existing (name, role) entry).
  // Fails if the name already exists with another type.
  Status add(const Resource& resource);
  // Adds many at once in O(n log n) (n calls of add() would cost O(n) each).
  // Checks each like add(), in order; on the first error nothing is added and
  // *bad_index (if given) is the index of the resource at fault.
  Status add_all(const std::vector<Resource>& resources, size_t* bad_index = nullptr);

  Resources& operator+=(const Resources& other);
  // Subtracts what is there: scalars floor at 0, ranges/set items removed.
  // Use contains() first when the caller needs exactness.
  Resources& operator-=(const Resources& other);
  friend Resources operator+(Resources a, const Resources& b) { return a += b; }
  friend Resources operator-(Resources a, const Resources& b) { return a -= b; }
  bool operator==(const Resources& other) const = default;

  // True if every entry of `other` fits in this, matching (name, role) exactly.
  bool contains(const Resources& other) const;

  // Sum of scalar `name` over all roles (e.g. total cpus); 0 if absent.
  double scalar(const std::string& name) const;
  // Only the entries of one role ("*" = unreserved).
  Resources reserved_for(const std::string& role) const;
  // Entries whose role is "*" or `role` or an ancestor of it (what a framework
  // in `role` may use: a reservation for "eng" serves "eng/ml" too).
  Resources allocatable_to(const std::string& role) const;
  // The same entries with every role replaced by `role`.
  Resources with_role(const std::string& role) const;

  // The flat map form used on the wire and in JSON (Mesos /state style):
  // key "name" or "name(role)"; value a number (scalar) or the text form of
  // ranges/sets ("[31000-32000]", "{a,b}"). Scalars as doubles.
  // from_flat_map validates like parse().
  struct FlatValue {
    bool is_number = true;
    double number = 0;
    std::string text;
  };
  std::map<std::string, FlatValue> to_flat_map() const;
  static StatusOr<Resources> from_flat_map(const std::map<std::string, FlatValue>& flat);

 private:
  std::vector<Resource> items_;  // sorted by (name, role)
};

// What one agent may offer and one task may ask for, checked where they come
// in (agent.register, the agent's --resources, a task at accept) so that one
// peer cannot make the allocator's work, offers and messages large. Inside the
// cluster arithmetic may exceed them (an agent's ports fragmented by many
// tasks); every operation stays O(n log n) then. See docs/PROTOCOL.md.
inline constexpr size_t kMaxResourceEntries = 256;     // distinct (name, role) pairs
inline constexpr size_t kMaxRangesPerResource = 1000;  // ranges of one entry, once merged
inline constexpr size_t kMaxSetItems = 1000;           // items of one set entry
// Names the first limit exceeded: "ports: 100000 ranges is more than the 1000
// allowed".
Status check_resource_limits(const Resources& resources);

// Agent attributes "rack:r1;zone:z2" as a map; errors name the bad part.
StatusOr<std::map<std::string, std::string>> parse_attributes(const std::string& text);
std::string format_attributes(const std::map<std::string, std::string>& attributes);

}  // namespace clusterctl
