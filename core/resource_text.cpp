// The text forms of the resource model (core/resources.hpp), both ways: the
// syntax "cpus(ops):1;ports:[31000-32000];zones:{a,b}", the flat map form and
// agent attributes "rack:r1;zone:z2". Values are checked here; names, roles
// and merging are checked by Resources::add (core/resources.cpp).
#include "core/resources.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string_view>

namespace clusterctl {

namespace {

// The largest scalar accepted, in millis: 2^50 (about 1.1 trillion units), so
// that millis -> double (the flat map form) -> millis is exact.
constexpr int64_t kMaxScalarMillis = int64_t{1} << 50;

std::string trim(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return std::string(text.substr(begin, end - begin));
}

// Splits on `separator` and trims each part; keeps empty parts.
std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    parts.push_back(trim(text.substr(start, end == std::string_view::npos ? end : end - start)));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool has_any_of(std::string_view text, std::string_view chars) {
  return text.find_first_of(chars) != std::string_view::npos;
}

std::string quoted(const std::string& text) {
  return "'" + text + "'";
}

// ---- Printing ----

// 1500 -> "1.5", 2000 -> "2", 1 -> "0.001".
std::string format_scalar(int64_t millis) {
  std::string text = std::to_string(millis / 1000);
  int64_t fraction = millis % 1000;
  if (fraction == 0) return text;
  std::string digits = std::to_string(fraction);
  digits.insert(0, 3 - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  return text + "." + digits;
}

std::string format_ranges(const std::vector<ValueRange>& ranges) {
  std::string text = "[";
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (i > 0) text += ",";
    text += std::to_string(ranges[i].begin);
    if (ranges[i].end != ranges[i].begin) text += "-" + std::to_string(ranges[i].end);
  }
  return text + "]";
}

std::string format_set(const std::set<std::string>& items) {
  std::string text = "{";
  for (const std::string& item : items) {
    if (text.size() > 1) text += ",";
    text += item;
  }
  return text + "}";
}

std::string format_value(const Resource& resource) {
  switch (resource.type) {
    case Resource::Type::kScalar:
      return format_scalar(resource.scalar_millis);
    case Resource::Type::kRanges:
      return format_ranges(resource.ranges);
    case Resource::Type::kSet:
      return format_set(resource.items);
  }
  return "";
}

// "cpus" or "cpus(ops)".
std::string key_of(const Resource& resource) {
  if (resource.role == "*") return resource.name;
  return resource.name + "(" + resource.role + ")";
}

// ---- Scalars ----

Status scalar_from_number(double number, const std::string& shown, int64_t* millis) {
  if (std::isnan(number)) return Status::invalid(quoted(shown) + " is not a number");
  if (number < 0) return Status::invalid(quoted(shown) + " is negative: amounts are 0 or more");
  if (std::isinf(number) || number * 1000 > static_cast<double>(kMaxScalarMillis)) {
    return Status::invalid(quoted(shown) + " is too large (at most " +
                           format_scalar(kMaxScalarMillis) + ")");
  }
  *millis = std::llround(number * 1000);
  return Status::ok();
}

// "2", "0.5", "1e3" -> millis.
Status parse_scalar(const std::string& text, int64_t* millis) {
  bool numeric_chars = text.find_first_not_of("0123456789.eE+-") == std::string::npos;
  char* end = nullptr;
  double number = numeric_chars ? std::strtod(text.c_str(), &end) : 0;
  if (!numeric_chars || end != text.c_str() + text.size()) {
    return Status::invalid(quoted(text) + " is not a number");
  }
  return scalar_from_number(number, text, millis);
}

// ---- Ranges: "[1-5,80]" ----

Status parse_range_bound(const std::string& text, uint64_t* value) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::invalid(quoted(text) + " is not a number");
  }
  errno = 0;
  *value = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE) return Status::invalid(quoted(text) + " is too large");
  return Status::ok();
}

// "31000-32000" or "80".
Status parse_range(const std::string& text, ValueRange* range) {
  if (text.front() == '-') {
    return Status::invalid("range " + quoted(text) + " is negative: values are 0 or more");
  }
  std::vector<std::string> bounds = split(text, '-');
  if (bounds.size() > 2) {
    return Status::invalid(quoted(text) + " is not a range: expected BEGIN-END or one value");
  }
  CLUSTERCTL_RETURN_IF_ERROR(parse_range_bound(bounds.front(), &range->begin));
  CLUSTERCTL_RETURN_IF_ERROR(parse_range_bound(bounds.back(), &range->end));
  if (range->begin > range->end) {
    return Status::invalid("range " + quoted(text) + " ends before it begins");
  }
  return Status::ok();
}

Status parse_ranges(const std::string& text, std::vector<ValueRange>* ranges) {
  std::string body = trim(std::string_view(text).substr(1, text.size() - 2));
  if (body.empty()) return Status::ok();
  for (const std::string& part : split(body, ',')) {
    if (part.empty()) return Status::invalid(quoted(text) + " has an empty range");
    ValueRange range;
    CLUSTERCTL_RETURN_IF_ERROR(parse_range(part, &range));
    ranges->push_back(range);
  }
  return Status::ok();
}

// ---- Sets: "{a,b}" ----

Status parse_set(const std::string& text, std::set<std::string>* items) {
  std::string body = trim(std::string_view(text).substr(1, text.size() - 2));
  if (body.empty()) return Status::ok();
  for (const std::string& item : split(body, ',')) {
    if (item.empty()) return Status::invalid(quoted(text) + " has an empty item");
    items->insert(item);
  }
  return Status::ok();
}

// ---- One resource ----

// Checks that `text`, which opens with a bracket, ends with `close` and has no
// other bracket inside.
Status check_brackets(const std::string& text, char close) {
  std::string_view inner = std::string_view(text).substr(1);
  if (text.size() < 2 || text.back() != close) {
    return Status::invalid(quoted(text) + " has no closing '" + std::string(1, close) + "'");
  }
  if (has_any_of(inner.substr(0, inner.size() - 1), "[]{}")) {
    return Status::invalid(quoted(text) + " has unbalanced brackets");
  }
  return Status::ok();
}

// Sets the type and value of `resource` from "2", "[1-5]" or "{a,b}".
Status parse_value(const std::string& text, Resource* resource) {
  if (text.empty()) return Status::invalid(quoted(resource->name) + " has no value after ':'");
  if (text.front() == '[') {
    CLUSTERCTL_RETURN_IF_ERROR(check_brackets(text, ']'));
    resource->type = Resource::Type::kRanges;
    return parse_ranges(text, &resource->ranges);
  }
  if (text.front() == '{') {
    CLUSTERCTL_RETURN_IF_ERROR(check_brackets(text, '}'));
    resource->type = Resource::Type::kSet;
    return parse_set(text, &resource->items);
  }
  if (has_any_of(text, "[]{}")) return Status::invalid(quoted(text) + " has unbalanced brackets");
  resource->type = Resource::Type::kScalar;
  return parse_scalar(text, &resource->scalar_millis);
}

// Sets the name and role of `resource` from "cpus" or "cpus(ops)"; `item` is
// the whole entry, for messages.
Status parse_key(const std::string& key, const std::string& item, Resource* resource) {
  size_t open = key.find('(');
  std::string name = trim(std::string_view(key).substr(0, open));
  if (name.empty()) return Status::invalid(quoted(item) + " has no resource name before ':'");
  if (open == std::string::npos) {
    if (key.find(')') != std::string::npos) {
      return Status::invalid(quoted(key) + " has a ')' without '('");
    }
    resource->name = name;
    return Status::ok();
  }
  if (key.find(')') == std::string::npos) {
    return Status::invalid(quoted(key) + " has no closing ')'");
  }
  if (key.back() != ')') return Status::invalid(quoted(key) + ": expected NAME(ROLE)");
  std::string_view role = std::string_view(key).substr(open + 1, key.size() - open - 2);
  if (has_any_of(role, "()")) return Status::invalid(quoted(key) + " has unbalanced parentheses");
  resource->name = name;
  resource->role = trim(role);
  return Status::ok();
}

// "cpus(ops):1" -> resource.
Status parse_item(const std::string& item, Resource* resource) {
  size_t colon = item.find(':');
  if (colon == std::string::npos) {
    return Status::invalid("expected NAME:VALUE, got " + quoted(item));
  }
  CLUSTERCTL_RETURN_IF_ERROR(parse_key(trim(item.substr(0, colon)), item, resource));
  return parse_value(trim(item.substr(colon + 1)), resource);
}

// Resources::add sees only what is kept, so a zero ("gpus:0") would hide a
// type clash with a later entry; `seen` remembers every name's type.
Status check_type(const Resource& resource, std::map<std::string, Resource::Type>* seen) {
  static constexpr const char* kTypeNames[] = {"a scalar", "ranges", "a set"};
  auto [it, first] = seen->emplace(resource.name, resource.type);
  if (first || it->second == resource.type) return Status::ok();
  return Status::invalid(quoted(resource.name) + " is given both as " +
                         kTypeNames[static_cast<int>(it->second)] + " and as " +
                         kTypeNames[static_cast<int>(resource.type)]);
}

// Duplicates add up; the sum must stay printable and parsable.
Status check_totals(const Resources& resources) {
  for (const Resource& resource : resources.items()) {
    if (resource.type == Resource::Type::kScalar && resource.scalar_millis > kMaxScalarMillis) {
      return Status::invalid(quoted(resource.name) + " adds up to more than " +
                             format_scalar(kMaxScalarMillis));
    }
  }
  return Status::ok();
}

std::string format_number(double number) {
  std::ostringstream out;
  out << number;
  return out.str();
}

Status resources_error(const std::string& text, const Status& status) {
  return Status::invalid("invalid resources " + quoted(text) + ": " + status.message());
}

Status attributes_error(const std::string& text, const std::string& detail) {
  return Status::invalid("invalid attributes " + quoted(text) + ": " + detail);
}

}  // namespace

std::string Resource::to_string() const {
  return key_of(*this) + ":" + format_value(*this);
}

std::string Resources::to_string() const {
  std::string text;
  for (const Resource& resource : items_) {
    if (!text.empty()) text += ";";
    text += resource.to_string();
  }
  return text;
}

StatusOr<Resources> Resources::parse(const std::string& text) {
  Resources result;
  std::map<std::string, Resource::Type> types;
  for (const std::string& item : split(text, ';')) {
    if (item.empty()) continue;  // tolerates "cpus:1;" and ";;"
    Resource resource;
    Status status = parse_item(item, &resource);
    if (status.is_ok()) status = check_type(resource, &types);
    if (status.is_ok()) status = result.add(resource);
    if (!status.is_ok()) return resources_error(text, status);
  }
  Status totals = check_totals(result);
  if (!totals.is_ok()) return resources_error(text, totals);
  return result;
}

std::map<std::string, Resources::FlatValue> Resources::to_flat_map() const {
  std::map<std::string, FlatValue> flat;
  for (const Resource& resource : items_) {
    FlatValue value;
    if (resource.type == Resource::Type::kScalar) {
      value.number = resource.scalar();
    } else {
      value.is_number = false;
      value.text = format_value(resource);
    }
    flat[key_of(resource)] = value;
  }
  return flat;
}

StatusOr<Resources> Resources::from_flat_map(const std::map<std::string, FlatValue>& flat) {
  Resources result;
  std::map<std::string, Resource::Type> types;
  for (const auto& entry : flat) {
    // Named, not bound: clang 14 cannot capture structured bindings.
    const std::string& key = entry.first;
    const FlatValue& value = entry.second;
    // Numbers are formatted only for error messages: this runs for every offer.
    auto shown_value = [&value] {
      return value.is_number ? format_number(value.number) : value.text;
    };
    Resource resource;
    Status status = parse_key(trim(key), key + ":", &resource);
    bool plain_number = value.is_number && value.number >= 0 &&
                        value.number * 1000 <= static_cast<double>(kMaxScalarMillis);
    if (status.is_ok() && plain_number) {
      resource.scalar_millis = std::llround(value.number * 1000);
    } else if (status.is_ok() && value.is_number) {
      status = scalar_from_number(value.number, shown_value(), &resource.scalar_millis);
    } else if (status.is_ok()) {
      status = parse_value(trim(value.text), &resource);
    }
    if (status.is_ok()) status = check_type(resource, &types);
    if (status.is_ok()) status = result.add(resource);
    if (!status.is_ok()) return resources_error(key + ":" + shown_value(), status);
  }
  Status totals = check_totals(result);
  if (!totals.is_ok()) return resources_error(result.to_string(), totals);
  return result;
}

StatusOr<std::map<std::string, std::string>> parse_attributes(const std::string& text) {
  std::map<std::string, std::string> attributes;
  for (const std::string& item : split(text, ';')) {
    if (item.empty()) continue;
    size_t colon = item.find(':');
    if (colon == std::string::npos) {
      return attributes_error(text, "expected NAME:VALUE, got " + quoted(item));
    }
    std::string name = trim(item.substr(0, colon));
    std::string value = trim(item.substr(colon + 1));
    if (name.empty()) return attributes_error(text, quoted(item) + " has no name before ':'");
    if (value.empty()) return attributes_error(text, quoted(name) + " has no value after ':'");
    if (!attributes.emplace(name, value).second) {
      return attributes_error(text, quoted(name) + " is given twice");
    }
  }
  return attributes;
}

std::string format_attributes(const std::map<std::string, std::string>& attributes) {
  std::string text;
  for (const auto& [name, value] : attributes) {
    if (!text.empty()) text += ";";
    text += name + ":" + value;
  }
  return text;
}

}  // namespace clusterctl
