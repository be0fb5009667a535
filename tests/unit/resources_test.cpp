#include "core/resources.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/resources_msgpack.hpp"

namespace clusterctl {
namespace {

Resources parsed(const std::string& text) {
  StatusOr<Resources> result = Resources::parse(text);
  EXPECT_TRUE(result.is_ok()) << text << ": " << result.status().message();
  return result.is_ok() ? result.value() : Resources();
}

Resource scalar_of(const std::string& name, int64_t millis, const std::string& role = "*") {
  Resource resource;
  resource.name = name;
  resource.role = role;
  resource.scalar_millis = millis;
  return resource;
}

Resource ranges_of(const std::string& name, std::vector<ValueRange> values,
                   const std::string& role = "*") {
  Resource resource;
  resource.name = name;
  resource.role = role;
  resource.type = Resource::Type::kRanges;
  resource.ranges = std::move(values);
  return resource;
}

Resource set_of(const std::string& name, std::set<std::string> items,
                const std::string& role = "*") {
  Resource resource;
  resource.name = name;
  resource.role = role;
  resource.type = Resource::Type::kSet;
  resource.items = std::move(items);
  return resource;
}

// ---- Parsing ----

TEST(ResourcesParse, ParsesTheDesignExample) {
  Resources resources = parsed("cpus:2;mem:1024;disk:4096;ports:[31000-32000];gpus:0");
  // gpus:0 is dropped; entries are sorted by name.
  std::vector<Resource> expected = {scalar_of("cpus", 2000), scalar_of("disk", 4096000),
                                    scalar_of("mem", 1024000),
                                    ranges_of("ports", {{31000, 32000}})};
  EXPECT_EQ(resources.items(), expected);
  EXPECT_EQ(resources.to_string(), "cpus:2;disk:4096;mem:1024;ports:[31000-32000]");
}

TEST(ResourcesParse, ScalarsAreKeptAsMillis) {
  EXPECT_EQ(parsed("cpus:0.5").items().at(0).scalar_millis, 500);
  EXPECT_EQ(parsed("cpus:0.001").items().at(0).scalar_millis, 1);
  EXPECT_EQ(parsed("cpus:1.2346").items().at(0).scalar_millis, 1235);  // rounded to 3 decimals
  EXPECT_EQ(parsed("cpus:.25").items().at(0).scalar_millis, 250);
  EXPECT_EQ(parsed("mem:1e3").items().at(0).scalar_millis, 1000000);
  EXPECT_DOUBLE_EQ(parsed("cpus:1.5").items().at(0).scalar(), 1.5);
  EXPECT_TRUE(parsed("cpus:0.0004").empty());  // rounds to 0, dropped
}

TEST(ResourcesParse, RolesAreKeptPerEntry) {
  Resources resources = parsed("cpus(ops):1;cpus:2;mem(eng/ml/training):512;mem(*):64");
  std::vector<Resource> expected = {scalar_of("cpus", 2000), scalar_of("cpus", 1000, "ops"),
                                    scalar_of("mem", 64000),
                                    scalar_of("mem", 512000, "eng/ml/training")};
  EXPECT_EQ(resources.items(), expected);
  EXPECT_EQ(resources.to_string(), "cpus:2;cpus(ops):1;mem:64;mem(eng/ml/training):512");
}

TEST(ResourcesParse, ToleratesWhitespaceAndEmptyItems) {
  EXPECT_EQ(parsed(" cpus : 2 ; mem:1024 ;"), parsed("cpus:2;mem:1024"));
  EXPECT_EQ(parsed("ports: [ 1 - 2 , 5 ] ;; zones: { a , b }; cpus( ops ):1"),
            parsed("ports:[1-2,5];zones:{a,b};cpus(ops):1"));
  EXPECT_TRUE(parsed("").empty());
  EXPECT_TRUE(parsed("  ").empty());
  EXPECT_TRUE(parsed(";").empty());
}

TEST(ResourcesParse, RangesAreSortedAndMerged) {
  EXPECT_EQ(parsed("ports:[80]").items().at(0).ranges, (std::vector<ValueRange>{{80, 80}}));
  Resources resources = parsed("ports:[20,5-10,1-4,8-12,30-31,32]");
  EXPECT_EQ(resources.items().at(0).ranges, (std::vector<ValueRange>{{1, 12}, {20, 20}, {30, 32}}));
  EXPECT_EQ(resources.to_string(), "ports:[1-12,20,30-32]");
  EXPECT_TRUE(parsed("ports:[]").empty());
}

TEST(ResourcesParse, RangesReachTheLargestValue) {
  Resources resources = parsed("ports:[18446744073709551615,0-1,18446744073709551614]");
  EXPECT_EQ(resources.items().at(0).ranges,
            (std::vector<ValueRange>{{0, 1}, {18446744073709551614ull, 18446744073709551615ull}}));
  EXPECT_EQ(parsed(resources.to_string()), resources);
}

TEST(ResourcesParse, SetsAreSortedAndDeduplicated) {
  Resources resources = parsed("zones:{b,a,a}");
  EXPECT_EQ(resources.items().at(0).type, Resource::Type::kSet);
  EXPECT_EQ(resources.items().at(0).items, (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(resources.to_string(), "zones:{a,b}");
  EXPECT_TRUE(parsed("zones:{}").empty());
}

TEST(ResourcesParse, DuplicatesAddUp) {
  EXPECT_EQ(parsed("cpus:1;cpus:0.5").to_string(), "cpus:1.5");
  EXPECT_EQ(parsed("cpus:1;cpus(*):1;cpus(ops):1").to_string(), "cpus:2;cpus(ops):1");
  EXPECT_EQ(parsed("ports:[1-5];ports:[6-8,10]").to_string(), "ports:[1-8,10]");
  EXPECT_EQ(parsed("zones:{a};zones:{b,a}").to_string(), "zones:{a,b}");
}

TEST(ResourcesPrint, FormatsScalarsWithoutTrailingZeros) {
  EXPECT_EQ(parsed("cpus:1.250").to_string(), "cpus:1.25");
  EXPECT_EQ(parsed("cpus:0.05").to_string(), "cpus:0.05");
  EXPECT_EQ(parsed("cpus:0.001").to_string(), "cpus:0.001");
  EXPECT_EQ(parsed("cpus:12.000").to_string(), "cpus:12");
  EXPECT_EQ(Resources().to_string(), "");
}

TEST(ResourcesPrint, ResourceToString) {
  EXPECT_EQ(scalar_of("cpus", 1500, "ops").to_string(), "cpus(ops):1.5");
  EXPECT_EQ(ranges_of("ports", {{31000, 32000}}).to_string(), "ports:[31000-32000]");
  EXPECT_EQ(set_of("zones", {"a", "b"}).to_string(), "zones:{a,b}");
}

TEST(ResourcesPrint, ParseOfToStringRoundTrips) {
  for (const char* text :
       {"cpus:2;mem:1024;disk:4096;ports:[31000-32000];gpus:0", "cpus(ops):0.001;cpus:3.333",
        "ports:[1,3,5-7];zones:{x,y,z};mem(eng/ml/training):1.5", "a.b/c-d_e(r.1/x-y_z):7", ""}) {
    SCOPED_TRACE(text);
    Resources resources = parsed(text);
    EXPECT_EQ(parsed(resources.to_string()), resources);
  }
}

TEST(ResourceEmpty, DependsOnType) {
  EXPECT_TRUE(scalar_of("cpus", 0).empty());
  EXPECT_FALSE(scalar_of("cpus", 1).empty());
  EXPECT_TRUE(ranges_of("ports", {}).empty());
  EXPECT_FALSE(ranges_of("ports", {{1, 1}}).empty());
  EXPECT_TRUE(set_of("zones", {}).empty());
  EXPECT_FALSE(set_of("zones", {"a"}).empty());
}

// ---- Parse errors: each names the text and the bad part ----

struct BadInput {
  const char* text;
  const char* part;  // what the message must point at
};

void expect_parse_error(const BadInput& bad) {
  SCOPED_TRACE(bad.text);
  StatusOr<Resources> result = Resources::parse(bad.text);
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().kind(), ErrorKind::kInvalidArgument);
  const std::string& message = result.status().message();
  EXPECT_EQ(message.rfind("invalid resources '" + std::string(bad.text) + "': ", 0), 0u) << message;
  EXPECT_NE(message.find(bad.part), std::string::npos) << message;
}

TEST(ResourcesParseErrors, TheDesignExampleMessage) {
  StatusOr<Resources> result = Resources::parse("cpus:abc");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().message(), "invalid resources 'cpus:abc': 'abc' is not a number");
}

TEST(ResourcesParseErrors, BadScalars) {
  for (const BadInput& bad : std::vector<BadInput>{
           {"cpus:2;mem:abc", "'abc' is not a number"},
           {"cpus:1.2.3", "'1.2.3' is not a number"},
           {"cpus:0x10", "'0x10' is not a number"},
           {"cpus:-1", "'-1' is negative"},
           {"cpus:-0.5", "'-0.5' is negative"},
           {"cpus:nan", "'nan' is not a number"},
           {"cpus:inf", "'inf' is not a number"},
           {"cpus:-inf", "'-inf' is not a number"},
           {"cpus:1e999", "'1e999' is too large"},
           {"cpus:1e20", "'1e20' is too large"},
           {"cpus:1125899906842.625",
            "'1125899906842.625' is too large (at most 1125899906842.624)"},
           {"cpus:1000000000000;cpus:1000000000000",
            "'cpus' adds up to more than 1125899906842.624"},
       }) {
    expect_parse_error(bad);
  }
}

TEST(ResourcesParseErrors, BadNamesAndSyntax) {
  for (const BadInput& bad : std::vector<BadInput>{
           {"cpus", "expected NAME:VALUE, got 'cpus'"},
           {"cpus:1;mem", "expected NAME:VALUE, got 'mem'"},
           {":1", "':1' has no resource name"},
           {"cpus:1; :2", "':2' has no resource name"},
           {"cpus:", "'cpus' has no value"},
           {"c pus:1", "'c pus' is not a valid resource name"},
           {"cpus!:1", "'cpus!' is not a valid resource name"},
       }) {
    expect_parse_error(bad);
  }
}

TEST(ResourcesParseErrors, BadRoles) {
  for (const BadInput& bad : std::vector<BadInput>{
           {"cpus(ops:1", "'cpus(ops' has no closing ')'"},
           {"cpusops):1", "'cpusops)' has a ')' without '('"},
           {"cpus(ops)x:1", "'cpus(ops)x': expected NAME(ROLE)"},
           {"cpus(o(p)s):1", "'cpus(o(p)s)' has unbalanced parentheses"},
           {"cpus():1", "invalid role ''"},
           {"cpus(a//b):1", "invalid role 'a//b'"},
           {"cpus(eng/..):1", "invalid role 'eng/..'"},
           {"cpus(a b):1", "invalid role 'a b'"},
           {"mem:1;cpus(eng/*):1", "invalid role 'eng/*'"},
       }) {
    expect_parse_error(bad);
  }
}

TEST(ResourcesParseErrors, BadRangesAndSets) {
  for (const BadInput& bad : std::vector<BadInput>{
           {"ports:[5-3]", "range '5-3' ends before it begins"},
           {"ports:[1-2", "'[1-2' has no closing ']'"},
           {"ports:[", "'[' has no closing ']'"},
           {"ports:1-2]", "'1-2]' has unbalanced brackets"},
           {"ports:[[1-2]]", "'[[1-2]]' has unbalanced brackets"},
           {"ports:[1-x]", "'x' is not a number"},
           {"ports:[-1-5]", "range '-1-5' is negative"},
           {"ports:[1-2-3]", "'1-2-3' is not a range"},
           {"ports:[1-2,]", "'[1-2,]' has an empty range"},
           {"ports:[99999999999999999999]", "'99999999999999999999' is too large"},
           {"zones:{a,b", "'{a,b' has no closing '}'"},
           {"zones:{a,,b}", "'{a,,b}' has an empty item"},
           {"zones:{a b}", "set item 'a b'"},
           {"zones:a}", "'a}' has unbalanced brackets"},
       }) {
    expect_parse_error(bad);
  }
}

TEST(ResourcesParseErrors, MixingTypesForOneName) {
  for (const BadInput& bad : std::vector<BadInput>{
           {"cpus:1;cpus:[1-2]", "'cpus' is given both as a scalar and as ranges"},
           {"cpus(ops):1;cpus:{a}", "'cpus' is given both as a scalar and as a set"},
           {"gpus:0;gpus:[1-2]", "'gpus' is given both as a scalar and as ranges"},
           {"ports:[1-2];ports:{a}", "'ports' is given both as ranges and as a set"},
       }) {
    expect_parse_error(bad);
  }
}

// ---- Roles ----

TEST(ValidateRole, AcceptsHierarchicalRoles) {
  for (const char* role : {"*", "ops", "eng/ml/training", "a.b-c_D9", "..x", "x..y/z"}) {
    EXPECT_TRUE(validate_role(role).is_ok()) << role << ": " << validate_role(role).message();
  }
}

TEST(ValidateRole, RejectsBadRolesNamingThem) {
  for (const char* role : {"", "/", "a/", "/a", "a//b", ".", "..", "a/./b", "a/../b", "a b", "a*",
                           "eng/*", "**", "ops(1)", "a:b", "a;b"}) {
    Status status = validate_role(role);
    ASSERT_FALSE(status.is_ok()) << role;
    EXPECT_EQ(status.kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(status.message().rfind("invalid role '" + std::string(role) + "': ", 0), 0u)
        << status.message();
  }
  EXPECT_NE(validate_role("a//b").message().find("empty name"), std::string::npos);
  EXPECT_NE(validate_role("a/../b").message().find("'..' is not allowed"), std::string::npos);
  EXPECT_NE(validate_role("a b").message().find("' ' is not allowed"), std::string::npos);
}

// ---- add ----

TEST(ResourcesAdd, MergesAndNormalizes) {
  Resources resources;
  ASSERT_TRUE(resources.add(scalar_of("cpus", 1000)).is_ok());
  ASSERT_TRUE(resources.add(scalar_of("cpus", 500)).is_ok());
  ASSERT_TRUE(resources.add(ranges_of("ports", {{10, 20}, {1, 5}, {6, 8}})).is_ok());
  ASSERT_TRUE(resources.add(scalar_of("gpus", 0)).is_ok());  // empty: not kept
  EXPECT_EQ(resources.to_string(), "cpus:1.5;ports:[1-8,10-20]");
}

TEST(ResourcesAdd, KeepsOnlyTheValueOfItsType) {
  Resource messy = scalar_of("cpus", 2000);
  messy.ranges = {{1, 2}};
  messy.items = {"x"};
  Resources resources;
  ASSERT_TRUE(resources.add(messy).is_ok());
  EXPECT_EQ(resources, parsed("cpus:2"));
}

TEST(ResourcesAdd, RejectsInvalidResources) {
  struct Case {
    Resource resource;
    const char* part;
  };
  for (const Case& bad : std::vector<Case>{
           {scalar_of("", 1000), "name must not be empty"},
           {scalar_of("cp us", 1000), "'cp us' is not a valid resource name"},
           {scalar_of("cpus", 1000, "a//b"), "invalid role 'a//b'"},
           {scalar_of("cpus", 1000, ""), "invalid role ''"},
           {scalar_of("cpus", -1), "'cpus' must not be negative"},
           {ranges_of("ports", {{5, 3}}), "range '5-3' of 'ports' ends before it begins"},
           {set_of("zones", {"a,b"}), "set item 'a,b'"},
           {set_of("zones", {""}), "set 'zones' has an empty item"},
       }) {
    Resources resources;
    Status status = resources.add(bad.resource);
    ASSERT_FALSE(status.is_ok()) << bad.part;
    EXPECT_EQ(status.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(status.message().find(bad.part), std::string::npos) << status.message();
    EXPECT_TRUE(resources.empty());
  }
}

TEST(ResourcesAdd, RejectsAnotherTypeForAKnownName) {
  Resources resources = parsed("cpus(ops):1");
  Status status = resources.add(ranges_of("cpus", {{1, 2}}));
  ASSERT_FALSE(status.is_ok());
  EXPECT_EQ(status.message(), "'cpus' is given both as a scalar and as ranges");
  EXPECT_EQ(resources, parsed("cpus(ops):1"));
}

// ---- Arithmetic ----

TEST(ResourcesArithmetic, AddsScalarsRangesSetsPerRole) {
  Resources sum = parsed("cpus:1;ports:[1-5];zones:{a};mem(ops):10") +
                  parsed("cpus:0.5;cpus(ops):2;ports:[6-7,9];zones:{b};mem(ops):5");
  EXPECT_EQ(sum.to_string(), "cpus:1.5;cpus(ops):2;mem(ops):15;ports:[1-7,9];zones:{a,b}");
}

TEST(ResourcesArithmetic, AddingToItselfDoubles) {
  Resources resources = parsed("cpus:1;ports:[1-2]");
  resources += resources;
  EXPECT_EQ(resources.to_string(), "cpus:2;ports:[1-2]");
}

TEST(ResourcesArithmetic, AddSkipsEntriesOfAnotherType) {
  Resources resources = parsed("cpus:1");
  resources += parsed("cpus(ops):[1-2];mem:5");
  EXPECT_EQ(resources.to_string(), "cpus:1;mem:5");
}

TEST(ResourcesArithmetic, SubtractFloorsScalarsAtZero) {
  EXPECT_EQ((parsed("cpus:2;mem:1024") - parsed("cpus:0.5;mem:2048")).to_string(), "cpus:1.5");
  EXPECT_TRUE((parsed("cpus:1") - parsed("cpus:1")).empty());
}

TEST(ResourcesArithmetic, SubtractRemovesRangeValues) {
  EXPECT_EQ((parsed("ports:[1-10]") - parsed("ports:[3-4,8]")).to_string(), "ports:[1-2,5-7,9-10]");
  EXPECT_EQ((parsed("ports:[1-10,20-30]") - parsed("ports:[5-25]")).to_string(),
            "ports:[1-4,26-30]");
  EXPECT_EQ((parsed("ports:[1-10]") - parsed("ports:[1,10,50]")).to_string(), "ports:[2-9]");
  EXPECT_TRUE((parsed("ports:[1-10]") - parsed("ports:[0-100]")).empty());
  EXPECT_EQ((parsed("ports:[0-18446744073709551615]") - parsed("ports:[1-18446744073709551614]"))
                .to_string(),
            "ports:[0,18446744073709551615]");
}

TEST(ResourcesArithmetic, SubtractRemovesSetItems) {
  EXPECT_EQ((parsed("zones:{a,b,c}") - parsed("zones:{b,x}")).to_string(), "zones:{a,c}");
  EXPECT_TRUE((parsed("zones:{a}") - parsed("zones:{a}")).empty());
}

TEST(ResourcesArithmetic, SubtractMatchesRolesExactly) {
  EXPECT_EQ((parsed("cpus:2;cpus(ops):2") - parsed("cpus(ops):1.5")).to_string(),
            "cpus:2;cpus(ops):0.5");
  EXPECT_EQ((parsed("cpus:2") - parsed("cpus(ops):1")).to_string(), "cpus:2");
}

TEST(ResourcesArithmetic, SubtractingItselfEmpties) {
  Resources resources = parsed("cpus:1;ports:[1-2];zones:{a}");
  resources -= resources;
  EXPECT_TRUE(resources.empty());
}

TEST(ResourcesArithmetic, SubtractIgnoresEntriesOfAnotherType) {
  Resources left = parsed("ports:[1-5]");
  left -= parsed("ports:3");
  EXPECT_EQ(left.to_string(), "ports:[1-5]");
}

// ---- Queries ----

TEST(ResourcesContains, ComparesEachEntryByNameAndRole) {
  Resources have = parsed("cpus:2;mem:1024;ports:[31000-32000,33000];zones:{a,b};cpus(ops):1");
  EXPECT_TRUE(have.contains(Resources()));
  EXPECT_TRUE(Resources().contains(Resources()));
  EXPECT_TRUE(have.contains(have));
  EXPECT_TRUE(have.contains(parsed("cpus:2;mem:512")));
  EXPECT_FALSE(have.contains(parsed("cpus:2.001")));
  EXPECT_FALSE(have.contains(parsed("gpus:1")));
  EXPECT_TRUE(have.contains(parsed("ports:[31000,31500-31600,33000]")));
  EXPECT_FALSE(have.contains(parsed("ports:[31999-32001]")));
  EXPECT_FALSE(have.contains(parsed("ports:[33001]")));
  EXPECT_TRUE(have.contains(parsed("zones:{b}")));
  EXPECT_FALSE(have.contains(parsed("zones:{c}")));
  EXPECT_TRUE(have.contains(parsed("cpus(ops):1")));
  EXPECT_FALSE(have.contains(parsed("cpus(ops):1.5")));  // the unreserved cpus do not count
  EXPECT_FALSE(parsed("cpus(ops):4").contains(parsed("cpus:1")));  // nor the reserved
  EXPECT_FALSE(parsed("mem(eng):4").contains(parsed("mem(eng/ml):1")));
}

TEST(ResourcesContains, MergedRangesCoverAcrossEntries) {
  EXPECT_TRUE(parsed("ports:[1-5];ports:[6-10]").contains(parsed("ports:[4-7]")));
}

TEST(ResourcesQueries, ScalarSumsOverRoles) {
  Resources resources = parsed("cpus:1.5;cpus(ops):2;cpus(eng/ml):0.25;ports:[1-2]");
  EXPECT_DOUBLE_EQ(resources.scalar("cpus"), 3.75);
  EXPECT_DOUBLE_EQ(resources.scalar("mem"), 0);
  EXPECT_DOUBLE_EQ(resources.scalar("ports"), 0);
}

TEST(ResourcesQueries, ReservedForAndAllocatableTo) {
  Resources resources = parsed("cpus:1;cpus(ops):2;mem(dev):64;mem(ops/web):32;disk:10");
  EXPECT_EQ(resources.reserved_for("ops").to_string(), "cpus(ops):2");
  EXPECT_EQ(resources.reserved_for("*").to_string(), "cpus:1;disk:10");
  EXPECT_TRUE(resources.reserved_for("nobody").empty());
  EXPECT_EQ(resources.allocatable_to("ops").to_string(), "cpus:1;cpus(ops):2;disk:10");
  EXPECT_EQ(resources.allocatable_to("dev").to_string(), "cpus:1;disk:10;mem(dev):64");
  EXPECT_EQ(resources.allocatable_to("*").to_string(), "cpus:1;disk:10");
}

TEST(ResourcesQueries, ReservationsServeTheRoleAndItsDescendants) {
  EXPECT_TRUE(role_includes("eng", "eng"));
  EXPECT_TRUE(role_includes("eng", "eng/ml/training"));
  EXPECT_TRUE(role_includes("eng/ml", "eng/ml/training"));
  EXPECT_FALSE(role_includes("eng", "engineering"));
  EXPECT_FALSE(role_includes("eng/ml", "eng"));
  EXPECT_FALSE(role_includes("*", "eng"));
  EXPECT_TRUE(role_includes("*", "*"));
  Resources resources = parsed("cpus:1;cpus(eng):2;mem(eng/ml):64;mem(engineering):32");
  EXPECT_EQ(resources.allocatable_to("eng/ml/training").to_string(),
            "cpus:1;cpus(eng):2;mem(eng/ml):64");
  EXPECT_EQ(resources.allocatable_to("eng").to_string(), "cpus:1;cpus(eng):2");
}

TEST(ResourcesQueries, WithRoleReplacesAndMerges) {
  Resources resources = parsed("cpus:1;cpus(ops):2;ports:[1-2];ports(dev):[3-4]");
  EXPECT_EQ(resources.with_role("ops").to_string(), "cpus(ops):3;ports(ops):[1-4]");
  EXPECT_EQ(resources.with_role("*").to_string(), "cpus:3;ports:[1-4]");
  EXPECT_TRUE(Resources().with_role("ops").empty());
}

// ---- Flat map ----

TEST(ResourcesFlatMap, KeysAndValues) {
  auto flat =
      parsed("cpus:1.5;mem(ops):1024;ports:[31000-32000];zones(eng/ml):{a,b}").to_flat_map();
  ASSERT_EQ(flat.size(), 4u);
  EXPECT_TRUE(flat.at("cpus").is_number);
  EXPECT_DOUBLE_EQ(flat.at("cpus").number, 1.5);
  EXPECT_TRUE(flat.at("mem(ops)").is_number);
  EXPECT_DOUBLE_EQ(flat.at("mem(ops)").number, 1024);
  EXPECT_FALSE(flat.at("ports").is_number);
  EXPECT_EQ(flat.at("ports").text, "[31000-32000]");
  EXPECT_FALSE(flat.at("zones(eng/ml)").is_number);
  EXPECT_EQ(flat.at("zones(eng/ml)").text, "{a,b}");
}

TEST(ResourcesFlatMap, RoundTrips) {
  for (const char* text :
       {"", "cpus:0.001;cpus(ops):3.333;mem:1125899906842.623", "ports:[1,3-5];zones(a/b):{x,y}"}) {
    SCOPED_TRACE(text);
    Resources resources = parsed(text);
    StatusOr<Resources> back = Resources::from_flat_map(resources.to_flat_map());
    ASSERT_TRUE(back.is_ok()) << back.status().message();
    EXPECT_EQ(back.value(), resources);
  }
}

TEST(ResourcesFlatMap, AcceptsEquivalentKeys) {
  std::map<std::string, Resources::FlatValue> flat;
  flat["cpus"] = {true, 1, ""};
  flat["cpus(*)"] = {true, 0.5, ""};
  flat[" mem ( ops ) "] = {true, 64, ""};
  flat[" ports "] = {false, 0, " [1-2] "};
  flat["gpus"] = {true, 0, ""};
  StatusOr<Resources> resources = Resources::from_flat_map(flat);
  ASSERT_TRUE(resources.is_ok()) << resources.status().message();
  EXPECT_EQ(resources->to_string(), "cpus:1.5;mem(ops):64;ports:[1-2]");
}

TEST(ResourcesFlatMap, ValidatesLikeParse) {
  struct Case {
    std::string key;
    Resources::FlatValue value;
    const char* part;
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const Case& bad : std::vector<Case>{
           {"cpus", {true, -1, ""}, "'-1' is negative"},
           {"cpus", {true, nan, ""}, "is not a number"},
           {"cpus", {true, inf, ""}, "'inf' is too large"},
           {"cpus", {true, 1e20, ""}, "is too large"},
           {"ports", {false, 0, "[5-3]"}, "range '5-3' ends before it begins"},
           {"ports", {false, 0, "[1-2"}, "'[1-2' has no closing ']'"},
           {"zones", {false, 0, "{a,,b}"}, "has an empty item"},
           {"cpus(", {true, 1, ""}, "'cpus(' has no closing ')'"},
           {"cpus(a//b)", {true, 1, ""}, "invalid role 'a//b'"},
           {"", {true, 1, ""}, "has no resource name"},
           {"c pus", {true, 1, ""}, "'c pus' is not a valid resource name"},
           {"ports", {false, 0, ""}, "'ports' has no value"},
       }) {
    SCOPED_TRACE(bad.key);
    StatusOr<Resources> result = Resources::from_flat_map({{bad.key, bad.value}});
    ASSERT_FALSE(result.is_ok()) << bad.part;
    EXPECT_EQ(result.status().kind(), ErrorKind::kInvalidArgument);
    const std::string& message = result.status().message();
    EXPECT_EQ(message.rfind("invalid resources '" + bad.key + ":", 0), 0u) << message;
    EXPECT_NE(message.find(bad.part), std::string::npos) << message;
  }
}

TEST(ResourcesFlatMap, RejectsMixedTypesAcrossRoles) {
  std::map<std::string, Resources::FlatValue> flat;
  flat["cpus"] = {true, 1, ""};
  flat["cpus(ops)"] = {false, 0, "[1-2]"};
  StatusOr<Resources> result = Resources::from_flat_map(flat);
  ASSERT_FALSE(result.is_ok());
  EXPECT_NE(result.status().message().find("'cpus' is given both as a scalar and as ranges"),
            std::string::npos)
      << result.status().message();
}

// ---- msgpack ----

Resources unpack_resources(const msgpack::sbuffer& buffer) {
  msgpack::object_handle handle = msgpack::unpack(buffer.data(), buffer.size());
  return handle.get().as<Resources>();
}

TEST(ResourcesMsgpack, RoundTrips) {
  for (const char* text : {"", "cpus:2;mem(ops):1024;ports:[31000-32000,33000];zones:{a,b}",
                           "cpus:0.001;cpus(eng/ml/training):3.333"}) {
    SCOPED_TRACE(text);
    Resources resources = parsed(text);
    msgpack::sbuffer buffer;
    msgpack::pack(buffer, resources);
    EXPECT_EQ(unpack_resources(buffer), resources);
  }
}

TEST(ResourcesMsgpack, PacksTheFlatMap) {
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, parsed("cpus:2;mem(ops):512.5;ports:[1-2]"));
  msgpack::object_handle handle = msgpack::unpack(buffer.data(), buffer.size());
  const msgpack::object& object = handle.get();
  ASSERT_EQ(object.type, msgpack::type::MAP);
  ASSERT_EQ(object.via.map.size, 3u);
  std::map<std::string, msgpack::object> entries;
  for (uint32_t i = 0; i < object.via.map.size; ++i) {
    entries[object.via.map.ptr[i].key.as<std::string>()] = object.via.map.ptr[i].val;
  }
  // msgpack-c packs a whole double as an integer; other peers see a number either way.
  EXPECT_EQ(entries.at("cpus").type, msgpack::type::POSITIVE_INTEGER);
  EXPECT_DOUBLE_EQ(entries.at("cpus").as<double>(), 2.0);
  EXPECT_EQ(entries.at("mem(ops)").type, msgpack::type::FLOAT64);
  EXPECT_DOUBLE_EQ(entries.at("mem(ops)").as<double>(), 512.5);
  EXPECT_EQ(entries.at("ports").type, msgpack::type::STR);
  EXPECT_EQ(entries.at("ports").as<std::string>(), "[1-2]");
}

TEST(ResourcesMsgpack, AcceptsIntegersAndNil) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  packer.pack_map(3);
  packer.pack(std::string("cpus"));
  packer.pack(2);
  packer.pack(std::string("mem(ops)"));
  packer.pack(64.5f);
  packer.pack(std::string("ports"));
  packer.pack(std::string("[80,443]"));
  EXPECT_EQ(unpack_resources(buffer), parsed("cpus:2;mem(ops):64.5;ports:[80,443]"));

  msgpack::sbuffer nil;
  msgpack::pack(nil, msgpack::type::nil_t());
  EXPECT_TRUE(unpack_resources(nil).empty());
}

struct Carrier {
  std::string id;
  Resources resources;
  MSGPACK_DEFINE_MAP(id, resources);
};

TEST(ResourcesMsgpack, WorksInsideAMessage) {
  Carrier sent{"t1", parsed("cpus(ops):1;ports:[5]")};
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, sent);
  msgpack::object_handle handle = msgpack::unpack(buffer.data(), buffer.size());
  Carrier received = handle.get().as<Carrier>();
  EXPECT_EQ(received.id, "t1");
  EXPECT_EQ(received.resources, sent.resources);
}

// Packs a one-entry map {key: value}.
template <typename Key, typename Value>
msgpack::sbuffer one_entry(const Key& key, const Value& value) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  packer.pack_map(1);
  packer.pack(key);
  packer.pack(value);
  return buffer;
}

TEST(ResourcesMsgpack, WrongShapesThrowTypeError) {
  msgpack::sbuffer array;
  msgpack::pack(array, std::vector<int>{1, 2});
  EXPECT_THROW(unpack_resources(array), msgpack::type_error);
  msgpack::sbuffer text;
  msgpack::pack(text, std::string("cpus:1"));
  EXPECT_THROW(unpack_resources(text), msgpack::type_error);
  EXPECT_THROW(unpack_resources(one_entry(7, 1.0)), msgpack::type_error);
  EXPECT_THROW(unpack_resources(one_entry(std::string("cpus"), true)), msgpack::type_error);
  EXPECT_THROW(unpack_resources(one_entry(std::string("cpus"), std::vector<int>{1})),
               msgpack::type_error);
}

TEST(ResourcesMsgpack, InvalidValuesThrowWithTheReason) {
  struct Case {
    msgpack::sbuffer buffer;
    const char* part;
  };
  std::vector<Case> cases;
  cases.push_back({one_entry(std::string("cpus"), -1), "'-1' is negative"});
  cases.push_back({one_entry(std::string("cpus"), std::nan("")), "is not a number"});
  cases.push_back(
      {one_entry(std::string("ports"), std::string("[5-3]")), "range '5-3' ends before it begins"});
  cases.push_back({one_entry(std::string("cpus(a//b)"), 1.0), "invalid role 'a//b'"});
  cases.push_back({one_entry(std::string(""), 1.0), "has no resource name"});
  for (const Case& bad : cases) {
    SCOPED_TRACE(bad.part);
    try {
      unpack_resources(bad.buffer);
      ADD_FAILURE() << "no exception";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(bad.part), std::string::npos) << e.what();
    }
  }
}

// ---- Attributes ----

TEST(Attributes, ParsesNamesAndValues) {
  auto attributes = parse_attributes("rack:r1;zone:z2");
  ASSERT_TRUE(attributes.is_ok()) << attributes.status().message();
  EXPECT_EQ(*attributes, (std::map<std::string, std::string>{{"rack", "r1"}, {"zone", "z2"}}));
  auto spaced = parse_attributes(" rack : r1 ;zone:us:east; ");
  ASSERT_TRUE(spaced.is_ok()) << spaced.status().message();
  EXPECT_EQ(*spaced, (std::map<std::string, std::string>{{"rack", "r1"}, {"zone", "us:east"}}));
  auto none = parse_attributes("");
  ASSERT_TRUE(none.is_ok());
  EXPECT_TRUE(none->empty());
}

TEST(Attributes, ErrorsNameTheBadPart) {
  StatusOr<std::map<std::string, std::string>> result = parse_attributes("no-colon");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(result.status().message(),
            "invalid attributes 'no-colon': expected NAME:VALUE, got 'no-colon'");
  for (const BadInput& bad : std::vector<BadInput>{
           {"rack:r1;oops", "expected NAME:VALUE, got 'oops'"},
           {":r1", "':r1' has no name"},
           {"rack:", "'rack' has no value"},
           {"rack:r1;rack:r2", "'rack' is given twice"},
       }) {
    SCOPED_TRACE(bad.text);
    auto failed = parse_attributes(bad.text);
    ASSERT_FALSE(failed.is_ok());
    const std::string& message = failed.status().message();
    EXPECT_EQ(message.rfind("invalid attributes '" + std::string(bad.text) + "': ", 0), 0u)
        << message;
    EXPECT_NE(message.find(bad.part), std::string::npos) << message;
  }
}

TEST(Attributes, FormatIsTheInverse) {
  std::map<std::string, std::string> attributes = {{"zone", "z2"}, {"rack", "r1"}};
  EXPECT_EQ(format_attributes(attributes), "rack:r1;zone:z2");
  EXPECT_EQ(format_attributes({}), "");
  auto back = parse_attributes(format_attributes(attributes));
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(*back, attributes);
}

}  // namespace
}  // namespace clusterctl
