// Resources from untrusted peers: the wire and text checks (numbers as
// strings, -0, NaN, infinities), the limits on what one agent or task may
// hold, parsing as a total function, and the arithmetic against a plain model.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <stdexcept>

#include "core/resources.hpp"
#include "core/resources_msgpack.hpp"

namespace clusterctl {
namespace {

Resources parsed(const std::string& text) {
  StatusOr<Resources> result = Resources::parse(text);
  EXPECT_TRUE(result.is_ok()) << text.substr(0, 200) << ": " << result.status().message();
  return result.is_ok() ? result.value() : Resources();
}

std::string parse_error(const std::string& text) {
  StatusOr<Resources> result = Resources::parse(text);
  EXPECT_FALSE(result.is_ok()) << text.substr(0, 200);
  return result.is_ok() ? "" : result.status().message();
}

template <typename Value>
msgpack::sbuffer one_entry(const std::string& key, const Value& value) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  packer.pack_map(1);
  packer.pack(key);
  packer.pack(value);
  return buffer;
}

// {key: number} with the number as a msgpack float64, written by hand:
// msgpack-c packs a whole double (-0.0 too) as an integer; python does not.
msgpack::sbuffer one_double(const std::string& key, double number) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  packer.pack_map(1);
  packer.pack(key);
  uint64_t bits = 0;
  std::memcpy(&bits, &number, sizeof bits);
  char bytes[9] = {static_cast<char>(0xcb)};
  for (int i = 0; i < 8; ++i) bytes[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
  buffer.write(bytes, sizeof bytes);
  return buffer;
}

// The reason the msgpack form is refused ("" if it is not).
std::string wire_error(const msgpack::sbuffer& buffer) {
  msgpack::object_handle handle = msgpack::unpack(buffer.data(), buffer.size());
  try {
    handle.get().as<Resources>();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

std::string ranges_text(size_t count) {
  std::string text = "[";
  for (size_t i = 0; i < count; ++i) text += (i ? "," : "") + std::to_string(2 * i);
  return text + "]";
}

// ---- Numbers on the wire and in text ----

TEST(ResourcesInput, AScalarSentAsAStringIsRefused) {
  std::string error = wire_error(one_entry("cpus", std::string("2")));
  EXPECT_NE(error.find("'cpus' is the string '2': send a scalar as a number"), std::string::npos)
      << error;
  EXPECT_NE(wire_error(one_entry("mem(ops)", std::string(" 64 "))), "");
  EXPECT_NE(wire_error(one_entry("cpus", std::string("x"))), "");
  // Ranges and sets are strings.
  EXPECT_EQ(wire_error(one_entry("ports", std::string("[31000-32000]"))), "");
  EXPECT_EQ(wire_error(one_entry("zones", std::string("{a,b}"))), "");
}

TEST(ResourcesInput, NegativeZeroNanInfinitiesAndHugeNumbersAreRefused) {
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    double number;
    const char* part;
  };
  for (const Case& bad : std::vector<Case>{{-0.0, "'-0' is negative"},
                                           {-1.5, "'-1.5' is negative"},
                                           {std::nan(""), "is not a number"},
                                           {inf, "'inf' is too large"},
                                           {-inf, "'-inf' is negative"},
                                           {1e16, "is too large"},
                                           {1.2e12, "is too large"}}) {
    SCOPED_TRACE(bad.part);
    std::string error = wire_error(one_double("disk", bad.number));
    EXPECT_NE(error.find(bad.part), std::string::npos) << error;
  }
  EXPECT_NE(wire_error(one_entry("disk", int64_t{-3})).find("is negative"), std::string::npos);
  EXPECT_NE(wire_error(one_entry("disk", std::numeric_limits<uint64_t>::max())).find("too large"),
            std::string::npos);
  EXPECT_EQ(wire_error(one_double("disk", 0.0)), "");  // +0 is nothing, and fine
}

TEST(ResourcesInput, TextRefusesTheSameNumbers) {
  EXPECT_NE(parse_error("disk:-0").find("'-0' is negative"), std::string::npos);
  EXPECT_NE(parse_error("disk:-0.0").find("'-0.0' is negative"), std::string::npos);
  EXPECT_NE(parse_error("cpus:nan").find("is not a number"), std::string::npos);
  EXPECT_NE(parse_error("cpus:inf").find("is not a number"), std::string::npos);
  EXPECT_NE(parse_error("cpus:1e400").find("too large"), std::string::npos);
  EXPECT_NE(parse_error("cpus:1e16").find("too large"), std::string::npos);
  EXPECT_NE(parse_error("ports:[1-99999999999999999999]").find("too large"), std::string::npos);
}

TEST(ResourcesInput, MessagesShowABoundedPrintablePart) {
  std::string error = parse_error("cpus:" + std::string(1 << 20, '7') + "x");
  EXPECT_LT(error.size(), 400u) << error.substr(0, 400);
  EXPECT_NE(error.find("bytes)"), std::string::npos) << error;
  std::string control = parse_error(std::string("cp\x01us:1"));
  EXPECT_EQ(control.find('\x01'), std::string::npos) << control;
  EXPECT_NE(control.find("'cp\\x01us'"), std::string::npos) << control;
}

// ---- Limits on what one agent or task may hold ----

TEST(ResourceLimits, RangesAboveTheCapAreNamed) {
  EXPECT_TRUE(check_resource_limits(parsed("ports:" + ranges_text(kMaxRangesPerResource))));
  Status status = check_resource_limits(parsed("ports:" + ranges_text(100000)));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(status.message(), "ports: 100000 ranges is more than the 1000 allowed");
  status = check_resource_limits(parsed("ports(ops):" + ranges_text(kMaxRangesPerResource + 1)));
  EXPECT_EQ(status.message(), "ports(ops): 1001 ranges is more than the 1000 allowed");
  // Counted once merged: touching ranges are one.
  std::string touching = "[";
  for (int i = 0; i < 5000; ++i) touching += (i ? "," : "") + std::to_string(i);
  EXPECT_TRUE(check_resource_limits(parsed("ports:" + touching + "]")));
}

TEST(ResourceLimits, NamesAndSetItems) {
  std::string names;
  for (size_t i = 0; i <= kMaxResourceEntries; ++i) names += "r" + std::to_string(i) + ":1;";
  Status status = check_resource_limits(parsed(names));
  EXPECT_EQ(status.message(),
            "resources: 257 distinct names and roles is more than the 256 allowed");
  std::string items = "{";
  for (size_t i = 0; i <= kMaxSetItems; ++i) items += (i ? ",i" : "i") + std::to_string(i);
  status = check_resource_limits(parsed("zones:" + items + "}"));
  EXPECT_EQ(status.message(), "zones: 1001 set items is more than the 1000 allowed");
  EXPECT_TRUE(check_resource_limits(parsed("cpus:2;mem:1024;ports:[31000-32000];zones:{a,b}")));
}

// ---- Parsing is total and fast enough on anything ----

TEST(ResourcesInput, ParseNeverFailsBadlyOnRandomText) {
  const std::string alphabet = "[]{}(),;:-0123456789.eE+ ac*/_\t\n";
  std::mt19937 random(7);
  for (int round = 0; round < 20000; ++round) {
    std::string text(random() % 40, ' ');
    for (char& c : text) c = alphabet[random() % alphabet.size()];
    if (round % 7 == 0 && !text.empty()) text[random() % text.size()] = static_cast<char>(random());
    StatusOr<Resources> result = Resources::parse(text);
    if (!result.is_ok()) {
      EXPECT_EQ(result.status().kind(), ErrorKind::kInvalidArgument);
      continue;
    }
    StatusOr<Resources> again = Resources::parse(result->to_string());
    ASSERT_TRUE(again.is_ok()) << text << " -> " << result->to_string();
    EXPECT_EQ(*again, *result) << text;
  }
}

TEST(ResourcesInput, ManyEntriesInAnyOrderParse) {
  std::string text;
  for (int i = 50000; i > 0; --i) text += "r" + std::to_string(i) + "(x):1;";
  for (int i = 0; i < 50000; ++i) text += "ports:[" + std::to_string(100000 - 2 * i) + "];";
  Resources resources = parsed(text);
  EXPECT_EQ(resources.items().size(), 50001u);
  EXPECT_EQ(resources.reserved_for("*").items().at(0).ranges.size(), 50000u);
  EXPECT_EQ(Resources::parse(resources.to_string()).value(), resources);
}

TEST(ResourcesInput, AddAllNamesTheResourceAtFault) {
  Resource good;
  good.name = "cpus";
  good.scalar_millis = 1000;
  Resource bad = good;
  bad.role = "a//b";
  Resources resources;
  size_t index = 99;
  Status status = resources.add_all({good, good, bad}, &index);
  EXPECT_FALSE(status);
  EXPECT_EQ(index, 2u);
  EXPECT_TRUE(resources.empty());
  Resource clash;
  clash.name = "cpus";
  clash.role = "ops";
  clash.type = Resource::Type::kRanges;
  clash.ranges = {{1, 2}};
  status = resources.add_all({good, clash}, &index);
  EXPECT_EQ(status.message(), "'cpus' is given both as a scalar and as ranges");
  EXPECT_EQ(index, 1u);
}

// ---- The arithmetic against a plain model ----

// Per (name, role): cpus a scalar in millis, ports a set of values, zones a set of items.
struct Model {
  std::map<std::string, int64_t> cpus;
  std::map<std::string, std::set<uint64_t>> ports;
  std::map<std::string, std::set<std::string>> zones;
  bool operator==(const Model&) const = default;
};

const std::vector<std::string> kRoles = {"*", "a", "a/b"};

Model model_of(const Resources& resources) {
  Model model;
  for (const Resource& r : resources.items()) {
    if (r.name == "cpus") model.cpus[r.role] = r.scalar_millis;
    if (r.name == "zones") model.zones[r.role] = r.items;
    if (r.name != "ports") continue;
    for (const ValueRange& range : r.ranges) {
      for (uint64_t v = range.begin; v <= range.end; ++v) model.ports[r.role].insert(v);
    }
  }
  return model;
}

Resource entry(const std::string& name, const std::string& role, Resource::Type type) {
  Resource resource;
  resource.name = name;
  resource.role = role;
  resource.type = type;
  return resource;
}

Resources random_resources(std::mt19937& random) {
  Resources resources;
  for (const std::string& role : kRoles) {
    Resource cpus = entry("cpus", role, Resource::Type::kScalar);
    cpus.scalar_millis = random() % 4 * 500;
    Resource ports = entry("ports", role, Resource::Type::kRanges);
    for (int i = random() % 5; i > 0; --i) {
      uint64_t begin = random() % 60;
      ports.ranges.push_back({begin, begin + random() % 8});
    }
    Resource zones = entry("zones", role, Resource::Type::kSet);
    for (int i = random() % 4; i > 0; --i) zones.items.insert(std::string(1, 'a' + random() % 5));
    for (const Resource& r : {cpus, ports, zones}) {
      if (random() % 2 == 0) {
        EXPECT_TRUE(resources.add(r));
      }
    }
  }
  return resources;
}

template <typename Map, typename Combine>
Map combine_maps(Map a, const Map& b, Combine combine) {
  for (const auto& [key, value] : b) combine(a[key], value);
  std::erase_if(a, [](const auto& entry) {
    if constexpr (std::is_integral_v<std::decay_t<decltype(entry.second)>>) {
      return entry.second == 0;
    } else {
      return entry.second.empty();
    }
  });
  return a;
}

template <typename Set>
void set_union(Set& into, const Set& more) {
  into.insert(more.begin(), more.end());
}
template <typename Set>
void set_difference(Set& from, const Set& less) {
  for (const auto& value : less) from.erase(value);
}

Model model_sum(const Model& a, const Model& b) {
  return {combine_maps(a.cpus, b.cpus, [](int64_t& x, int64_t y) { x += y; }),
          combine_maps(a.ports, b.ports, set_union<std::set<uint64_t>>),
          combine_maps(a.zones, b.zones, set_union<std::set<std::string>>)};
}

Model model_difference(const Model& a, const Model& b) {
  Model result = a;
  for (const auto& [role, millis] : b.cpus) {
    if (result.cpus.count(role))
      result.cpus[role] = std::max<int64_t>(0, result.cpus[role] - millis);
  }
  for (const auto& [role, values] : b.ports) {
    if (result.ports.count(role)) set_difference(result.ports[role], values);
  }
  for (const auto& [role, items] : b.zones) {
    if (result.zones.count(role)) set_difference(result.zones[role], items);
  }
  return result;
}

// Drops empty entries, as Resources does.
Model cleaned(Model model) {
  std::erase_if(model.cpus, [](const auto& e) { return e.second == 0; });
  std::erase_if(model.ports, [](const auto& e) { return e.second.empty(); });
  std::erase_if(model.zones, [](const auto& e) { return e.second.empty(); });
  return model;
}

bool model_contains(const Model& a, const Model& b) {
  for (const auto& [role, millis] : b.cpus) {
    if (!a.cpus.count(role) || a.cpus.at(role) < millis) return false;
  }
  for (const auto& [role, values] : b.ports) {
    if (!a.ports.count(role) || !std::includes(a.ports.at(role).begin(), a.ports.at(role).end(),
                                               values.begin(), values.end()))
      return false;
  }
  for (const auto& [role, items] : b.zones) {
    if (!a.zones.count(role) || !std::includes(a.zones.at(role).begin(), a.zones.at(role).end(),
                                               items.begin(), items.end()))
      return false;
  }
  return true;
}

TEST(ResourcesArithmeticModel, MatchesAPlainModel) {
  std::mt19937 random(11);
  for (int round = 0; round < 2000; ++round) {
    Resources a = random_resources(random);
    Resources b = random_resources(random);
    Model ma = model_of(a);
    Model mb = model_of(b);
    ASSERT_EQ(model_of(a + b), cleaned(model_sum(ma, mb)))
        << a.to_string() << " + " << b.to_string();
    ASSERT_EQ(model_of(a - b), cleaned(model_difference(ma, mb)))
        << a.to_string() << " - " << b.to_string();
    ASSERT_EQ(a.contains(b), model_contains(ma, mb)) << a.to_string() << " ? " << b.to_string();
    ASSERT_TRUE((a + b).contains(a));
    ASSERT_TRUE(a.contains(a - b));
    ASSERT_EQ(a + b - b + b, a + b);
    ASSERT_EQ(Resources::parse((a + b).to_string()).value(), a + b);
    // The same entries added all at once or one by one.
    std::vector<Resource> list(a.items().begin(), a.items().end());
    list.insert(list.end(), b.items().begin(), b.items().end());
    Resources at_once;
    ASSERT_TRUE(at_once.add_all(list));
    ASSERT_EQ(at_once, a + b);
    Resources moved = a.with_role("z");
    ASSERT_EQ(moved.scalar("cpus"), a.scalar("cpus"));
    ASSERT_EQ(moved.with_role("*"), a.with_role("*"));
  }
}

}  // namespace
}  // namespace clusterctl
