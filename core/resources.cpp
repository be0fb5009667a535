// The resource model: validation, normalization, arithmetic and queries.
// The text and flat map forms live in core/resource_text.cpp.
#include "core/resources.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <string_view>
#include <tuple>

namespace clusterctl {

namespace {

constexpr int64_t kMaxMillis = std::numeric_limits<int64_t>::max();
constexpr uint64_t kMaxRangeValue = std::numeric_limits<uint64_t>::max();

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
      return Status::invalid("'" + name +
                             "' is not a valid resource name: use letters, digits, '_', '-', "
                             "'.' or '/'");
    }
  }
  return Status::ok();
}

Status validate_set_item(const std::string& name, const std::string& item) {
  if (item.empty()) return Status::invalid("set '" + name + "' has an empty item");
  for (char c : item) {
    if (std::isspace(static_cast<unsigned char>(c)) ||
        std::string_view(",;{}[]()").find(c) != std::string_view::npos) {
      return Status::invalid("set item '" + item +
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

// ---- Ranges: sorted by begin, merged, non-overlapping ----

std::vector<ValueRange> normalized(std::vector<ValueRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const ValueRange& a, const ValueRange& b) { return a.begin < b.begin; });
  std::vector<ValueRange> merged;
  for (const ValueRange& range : ranges) {
    bool touches = !merged.empty() &&
                   (merged.back().end == kMaxRangeValue || range.begin <= merged.back().end + 1);
    if (touches) {
      merged.back().end = std::max(merged.back().end, range.end);
    } else {
      merged.push_back(range);
    }
  }
  return merged;
}

// `from` minus `removed`; both normalized.
std::vector<ValueRange> subtract_ranges(const std::vector<ValueRange>& from,
                                        const std::vector<ValueRange>& removed) {
  std::vector<ValueRange> result;
  for (ValueRange rest : from) {
    bool anything_left = true;
    for (const ValueRange& cut : removed) {
      if (cut.end < rest.begin || cut.begin > rest.end) continue;
      if (cut.begin > rest.begin) result.push_back({rest.begin, cut.begin - 1});
      if (cut.end >= rest.end) {
        anything_left = false;
        break;
      }
      rest.begin = cut.end + 1;
    }
    if (anything_left) result.push_back(rest);
  }
  return result;
}

// True if every value of `inner` is in `outer`; both normalized, so each inner
// range must lie within a single outer range.
bool ranges_contain(const std::vector<ValueRange>& outer, const std::vector<ValueRange>& inner) {
  return std::all_of(inner.begin(), inner.end(), [&](const ValueRange& range) {
    return std::any_of(outer.begin(), outer.end(), [&](const ValueRange& o) {
      return o.begin <= range.begin && range.end <= o.end;
    });
  });
}

// ---- Entries: a vector sorted by (name, role), one entry per pair ----

using Entries = std::vector<Resource>;

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

// The type `name` already has in `entries` (any role), or nullptr.
const Resource* any_entry_named(const Entries& entries, const std::string& name) {
  auto it = std::find_if(entries.begin(), entries.end(),
                         [&](const Resource& entry) { return entry.name == name; });
  return it == entries.end() ? nullptr : &*it;
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
      clean.ranges = normalized(resource.ranges);
      break;
    case Resource::Type::kSet:
      clean.items = resource.items;
      break;
  }
  return clean;
}

// Adds `more` (clean, same type as any entry of its name) into `entries`.
void merge_into(Entries& entries, const Resource& more) {
  if (more.empty()) return;
  auto it = lower_bound_of(entries, more.name, more.role);
  if (it == entries.end() || it->name != more.name || it->role != more.role) {
    entries.insert(it, more);
    return;
  }
  switch (more.type) {
    case Resource::Type::kScalar:
      it->scalar_millis = it->scalar_millis > kMaxMillis - more.scalar_millis
                              ? kMaxMillis
                              : it->scalar_millis + more.scalar_millis;
      break;
    case Resource::Type::kRanges: {
      std::vector<ValueRange> all = it->ranges;
      all.insert(all.end(), more.ranges.begin(), more.ranges.end());
      it->ranges = normalized(std::move(all));
      break;
    }
    case Resource::Type::kSet:
      it->items.insert(more.items.begin(), more.items.end());
      break;
  }
}

// Removes what of `less` is in `entries`; an entry left empty is dropped.
void subtract_from(Entries& entries, const Resource& less) {
  auto it = find_entry(entries, less.name, less.role);
  if (it == entries.end() || it->type != less.type) return;
  switch (less.type) {
    case Resource::Type::kScalar:
      it->scalar_millis = std::max<int64_t>(0, it->scalar_millis - less.scalar_millis);
      break;
    case Resource::Type::kRanges:
      it->ranges = subtract_ranges(it->ranges, less.ranges);
      break;
    case Resource::Type::kSet:
      for (const std::string& item : less.items) it->items.erase(item);
      break;
  }
  if (it->empty()) entries.erase(it);
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

}  // namespace

Status validate_role(const std::string& role) {
  if (role == "*") return Status::ok();
  auto fail = [&](const std::string& why) {
    return Status::invalid("invalid role '" + role + "': " + why +
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
      if (!is_name_char(c)) return fail("'" + std::string(1, c) + "' is not allowed");
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
  CLUSTERCTL_RETURN_IF_ERROR(validate(resource));
  const Resource* existing = any_entry_named(items_, resource.name);
  if (existing != nullptr && existing->type != resource.type) {
    return Status::invalid("'" + resource.name + "' is given both as " + type_name(existing->type) +
                           " and as " + type_name(resource.type));
  }
  merge_into(items_, cleaned(resource));
  return Status::ok();
}

// Entries whose name has another type here cannot be added and are skipped
// (operator+= cannot report an error); add() reports them.
Resources& Resources::operator+=(const Resources& other) {
  if (&other == this) return *this += Resources(other);
  for (const Resource& resource : other.items_) {
    const Resource* existing = any_entry_named(items_, resource.name);
    if (existing != nullptr && existing->type != resource.type) continue;
    merge_into(items_, resource);
  }
  return *this;
}

Resources& Resources::operator-=(const Resources& other) {
  if (&other == this) return *this -= Resources(other);
  for (const Resource& resource : other.items_) subtract_from(items_, resource);
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
  Resources result;
  for (Resource resource : items_) {
    resource.role = role;
    merge_into(result.items_, resource);
  }
  return result;
}

}  // namespace clusterctl
