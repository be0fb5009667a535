// The resource model: validation, normalization, arithmetic and queries.
// The text and flat map forms live in core/resource_text.cpp.
#include "core/resources.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <string_view>
#include <tuple>

#include "core/printable.hpp"

namespace clusterctl {

namespace {

constexpr int64_t kMaxMillis = std::numeric_limits<int64_t>::max();

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

const char* type_name(Resource::Type type) {
  switch (type) {
    case Resource::Type::kScalar:
      return "a scalar";
    case Resource::Type::kRanges:
      return "ranges";
    case Resource::Type::kSet:
      return "a set";
  }
  return "an unknown type";
}

// ---- Validation of one resource ----

Status validate_name(const std::string& name) {
  if (name.empty()) return Status::invalid("a resource name must not be empty");
  for (char c : name) {
    if (!is_name_char(c) && c != '/') {
      return Status::invalid("'" + printable(name) +
                             "' is not a valid resource name: use letters, digits, '_', '-', "
                             "'.' or '/'");
    }
  }
  return Status::ok();
}

Status validate_set_item(const std::string& name, const std::string& item) {
  if (item.empty()) return Status::invalid("set '" + printable(name) + "' has an empty item");
  for (char c : item) {
    if (std::isspace(static_cast<unsigned char>(c)) ||
        std::string_view(",;{}[]()").find(c) != std::string_view::npos) {
      return Status::invalid("set item '" + printable(item) +
                             "' must not contain whitespace or any of , ; { } [ ] ( )");
    }
  }
  return Status::ok();
}

Status validate_value(const Resource& resource) {
  switch (resource.type) {
    case Resource::Type::kScalar:
      if (resource.scalar_millis < 0) {
        return Status::invalid("'" + resource.name + "' must not be negative");
      }
      return Status::ok();
    case Resource::Type::kRanges:
      for (const ValueRange& range : resource.ranges) {
        if (range.begin > range.end) {
          return Status::invalid("range '" + std::to_string(range.begin) + "-" +
                                 std::to_string(range.end) + "' of '" + resource.name +
                                 "' ends before it begins");
        }
      }
      return Status::ok();
    case Resource::Type::kSet:
      for (const std::string& item : resource.items) {
        CLUSTERCTL_RETURN_IF_ERROR(validate_set_item(resource.name, item));
      }
      return Status::ok();
  }
  return Status::invalid("'" + resource.name + "' has an unknown type");
}

Status validate(const Resource& resource) {
  CLUSTERCTL_RETURN_IF_ERROR(validate_name(resource.name));
  CLUSTERCTL_RETURN_IF_ERROR(validate_role(resource.role));
  return validate_value(resource);
}

// ---- Entries: a vector sorted by (name, role), one entry per pair ----
//
// Whole-vector operations are linear merges (or sorts) so that nothing is
// quadratic in the number of entries or ranges, whatever a peer sends.

using Entries = std::vector<Resource>;

bool key_less(const Resource& a, const Resource& b) {
  return std::tie(a.name, a.role) < std::tie(b.name, b.role);
}

bool same_key(const Resource& a, const Resource& b) {
  return a.name == b.name && a.role == b.role;
}

// Works on Entries and const Entries.
template <typename EntryVector>
auto lower_bound_of(EntryVector& entries, const std::string& name, const std::string& role) {
  return std::lower_bound(entries.begin(), entries.end(), std::tie(name, role),
                          [](const Resource& entry, const auto& key) {
                            return std::tie(entry.name, entry.role) < key;
                          });
}

template <typename EntryVector>
auto find_entry(EntryVector& entries, const std::string& name, const std::string& role) {
  auto it = lower_bound_of(entries, name, role);
  if (it != entries.end() && it->name == name && it->role == role) return it;
  return entries.end();
}

// An entry named `name` (any role) in `entries`, or nullptr: every role sorts
// after "", so the first one is at the lower bound of (name, "").
const Resource* any_entry_named(const Entries& entries, const std::string& name) {
  static const std::string kNoRole;
  auto it = lower_bound_of(entries, name, kNoRole);
  return it != entries.end() && it->name == name ? &*it : nullptr;
}

// A copy holding only the value of its type, with ranges normalized.
Resource cleaned(const Resource& resource) {
  Resource clean;
  clean.name = resource.name;
  clean.role = resource.role;
  clean.type = resource.type;
  switch (resource.type) {
    case Resource::Type::kScalar:
      clean.scalar_millis = resource.scalar_millis;
      break;
    case Resource::Type::kRanges:
      clean.ranges = normalize_ranges(resource.ranges);
      break;
    case Resource::Type::kSet:
      clean.items = resource.items;
      break;
  }
  return clean;
}

// Adds the value of `more` to `into` (same name, role and type; both clean).
void add_value(Resource& into, const Resource& more) {
  switch (more.type) {
    case Resource::Type::kScalar:
      into.scalar_millis = into.scalar_millis > kMaxMillis - more.scalar_millis
                               ? kMaxMillis
                               : into.scalar_millis + more.scalar_millis;
      break;
    case Resource::Type::kRanges:
      into.ranges = union_ranges(into.ranges, more.ranges);
      break;
    case Resource::Type::kSet:
      into.items.insert(more.items.begin(), more.items.end());
      break;
  }
}

// Removes what of `less` is in `from` (same name, role and type; both clean).
void subtract_value(Resource& from, const Resource& less) {
  switch (less.type) {
    case Resource::Type::kScalar:
      from.scalar_millis = std::max<int64_t>(0, from.scalar_millis - less.scalar_millis);
      break;
    case Resource::Type::kRanges:
      from.ranges = subtract_ranges(from.ranges, less.ranges);
      break;
    case Resource::Type::kSet:
      for (const std::string& item : less.items) from.items.erase(item);
      break;
  }
}

bool entry_contains(const Resource& have, const Resource& want) {
  if (have.type != want.type) return false;
  switch (want.type) {
    case Resource::Type::kScalar:
      return have.scalar_millis >= want.scalar_millis;
    case Resource::Type::kRanges:
      return ranges_contain(have.ranges, want.ranges);
    case Resource::Type::kSet:
      return std::includes(have.items.begin(), have.items.end(), want.items.begin(),
                           want.items.end());
  }
  return false;
}

// Clean entries in any order (types agreeing per name) as Entries: sorted,
// one per key, empty ones dropped. Ranges of one key are gathered and
// normalized once, so n single ranges cost O(n log n).
Entries collapsed(Entries list) {
  std::stable_sort(list.begin(), list.end(), key_less);
  Entries result;
  result.reserve(list.size());
  bool gathered_ranges = false;
  for (Resource& entry : list) {
    if (result.empty() || !same_key(result.back(), entry)) {
      result.push_back(std::move(entry));
    } else if (entry.type == Resource::Type::kRanges) {
      auto& ranges = result.back().ranges;
      ranges.insert(ranges.end(), entry.ranges.begin(), entry.ranges.end());
      gathered_ranges = true;
    } else {
      add_value(result.back(), entry);
    }
  }
  for (Resource& entry : result) {
    if (gathered_ranges && entry.type == Resource::Type::kRanges) {
      entry.ranges = normalize_ranges(std::move(entry.ranges));
    }
  }
  std::erase_if(result, [](const Resource& entry) { return entry.empty(); });
  return result;
}

// Both Entries added up (types agreeing per name): one linear merge.
Entries combined(Entries a, const Entries& b) {
  if (b.empty()) return a;
  Entries result;
  result.reserve(a.size() + b.size());
  auto next_b = b.begin();
  for (Resource& entry : a) {
    while (next_b != b.end() && key_less(*next_b, entry)) result.push_back(*next_b++);
    if (next_b != b.end() && same_key(*next_b, entry)) add_value(entry, *next_b++);
    result.push_back(std::move(entry));
  }
  result.insert(result.end(), next_b, b.end());
  return result;
}

// "ports" or "ports(ops)", for messages.
std::string key_text(const Resource& resource) {
  return resource.role == "*" ? resource.name : resource.name + "(" + resource.role + ")";
}

Status over_limit(const std::string& what, size_t count, const char* unit, size_t limit) {
  return Status::invalid(what + ": " + std::to_string(count) + " " + unit + " is more than the " +
                         std::to_string(limit) + " allowed");
}

}  // namespace

Status validate_role(const std::string& role) {
  if (role == "*") return Status::ok();
  auto fail = [&](const std::string& why) {
    return Status::invalid("invalid role '" + printable(role) + "': " + why +
                           " (a role is '*' or names of letters, digits, '_', '-' and '.' "
                           "joined by '/', e.g. eng/ml)");
  };
  if (role.empty()) return fail("the role is empty");
  size_t start = 0;
  while (true) {
    size_t slash = role.find('/', start);
    std::string segment = role.substr(start, slash == std::string::npos ? slash : slash - start);
    if (segment.empty()) return fail("it has an empty name between '/'");
    if (segment == "." || segment == "..") return fail("'" + segment + "' is not allowed");
    for (char c : segment) {
      if (!is_name_char(c)) return fail("'" + printable(std::string(1, c)) + "' is not allowed");
    }
    if (slash == std::string::npos) return Status::ok();
    start = slash + 1;
  }
}

bool role_includes(const std::string& ancestor, const std::string& role) {
  if (ancestor == role) return true;
  if (ancestor == "*" || role.size() <= ancestor.size()) return false;
  return role.compare(0, ancestor.size(), ancestor) == 0 && role[ancestor.size()] == '/';
}

bool Resource::empty() const {
  switch (type) {
    case Type::kScalar:
      return scalar_millis == 0;
    case Type::kRanges:
      return ranges.empty();
    case Type::kSet:
      return items.empty();
  }
  return true;
}

Status Resources::add(const Resource& resource) {
  return add_all({resource});
}

Status Resources::add_all(const std::vector<Resource>& resources, size_t* bad_index) {
  std::map<std::string, Resource::Type> new_names;  // types of names not here yet
  Entries clean;
  clean.reserve(resources.size());
  for (size_t i = 0; i < resources.size(); ++i) {
    const Resource& resource = resources[i];
    Status status = validate(resource);
    if (status.is_ok()) {
      const Resource* existing = any_entry_named(items_, resource.name);
      Resource::Type known = existing != nullptr
                                 ? existing->type
                                 : new_names.emplace(resource.name, resource.type).first->second;
      if (known != resource.type) {
        status = Status::invalid("'" + resource.name + "' is given both as " + type_name(known) +
                                 " and as " + type_name(resource.type));
      }
    }
    if (!status.is_ok()) {
      if (bad_index != nullptr) *bad_index = i;
      return status;
    }
    clean.push_back(cleaned(resource));
  }
  items_ = combined(std::move(items_), collapsed(std::move(clean)));
  return Status::ok();
}

// Entries whose name has another type here cannot be added and are skipped
// (operator+= cannot report an error); add() reports them.
Resources& Resources::operator+=(const Resources& other) {
  Entries addable;
  addable.reserve(other.items_.size());
  for (const Resource& resource : other.items_) {
    const Resource* existing = any_entry_named(items_, resource.name);
    if (existing == nullptr || existing->type == resource.type) addable.push_back(resource);
  }
  items_ = combined(std::move(items_), addable);
  return *this;
}

Resources& Resources::operator-=(const Resources& other) {
  if (&other == this) {
    items_.clear();  // every scalar floors at 0, every value is removed
    return *this;
  }
  auto less = other.items_.begin();
  for (Resource& entry : items_) {
    less = std::lower_bound(less, other.items_.end(), entry, key_less);
    if (less == other.items_.end()) break;
    if (same_key(*less, entry) && less->type == entry.type) subtract_value(entry, *less);
  }
  std::erase_if(items_, [](const Resource& entry) { return entry.empty(); });
  return *this;
}

bool Resources::contains(const Resources& other) const {
  return std::all_of(other.items_.begin(), other.items_.end(), [&](const Resource& want) {
    auto have = find_entry(items_, want.name, want.role);
    return have != items_.end() && entry_contains(*have, want);
  });
}

double Resources::scalar(const std::string& name) const {
  int64_t millis = 0;
  for (const Resource& resource : items_) {
    if (resource.name == name && resource.type == Resource::Type::kScalar) {
      millis = millis > kMaxMillis - resource.scalar_millis ? kMaxMillis
                                                            : millis + resource.scalar_millis;
    }
  }
  return static_cast<double>(millis) / 1000.0;
}

Resources Resources::reserved_for(const std::string& role) const {
  Resources result;
  for (const Resource& resource : items_) {
    if (resource.role == role) result.items_.push_back(resource);
  }
  return result;
}

Resources Resources::allocatable_to(const std::string& role) const {
  Resources result;
  for (const Resource& resource : items_) {
    if (resource.role == "*" || role_includes(resource.role, role)) {
      result.items_.push_back(resource);
    }
  }
  return result;
}

Resources Resources::with_role(const std::string& role) const {
  Entries renamed = items_;
  for (Resource& resource : renamed) resource.role = role;
  Resources result;
  result.items_ = collapsed(std::move(renamed));
  return result;
}

Status check_resource_limits(const Resources& resources) {
  if (resources.items().size() > kMaxResourceEntries) {
    return over_limit("resources", resources.items().size(), "distinct names and roles",
                      kMaxResourceEntries);
  }
  for (const Resource& resource : resources.items()) {
    if (resource.ranges.size() > kMaxRangesPerResource) {
      return over_limit(key_text(resource), resource.ranges.size(), "ranges",
                        kMaxRangesPerResource);
    }
    if (resource.items.size() > kMaxSetItems) {
      return over_limit(key_text(resource), resource.items.size(), "set items", kMaxSetItems);
    }
  }
  return Status::ok();
}

}  // namespace clusterctl
