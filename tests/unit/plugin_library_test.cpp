// The plugin loader against real .so files: the built-in first-fit allocator
// and deliberately broken plugins built by tests/CMakeLists.txt.
#include "core/plugin/plugin_library.hpp"

#include <gtest/gtest.h>

#include "daemons/master/allocator.hpp"

namespace clusterctl {
namespace {

const std::string kPluginDir = std::string(CLUSTERCTL_BUILD_DIR) + "/lib/clusterctl";
const std::string kBadDir = std::string(CLUSTERCTL_BUILD_DIR) + "/test_plugins";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(PluginLibrary, ResolvesNamesAndPaths) {
  EXPECT_EQ(resolve_plugin_path(CLUSTERCTL_PLUGIN_ALLOCATOR, "drf", "/p"), "/p/allocator_drf.so");
  EXPECT_EQ(resolve_plugin_path(CLUSTERCTL_PLUGIN_ALLOCATOR, "./x.so", "/p"), "./x.so");
  EXPECT_EQ(resolve_plugin_path(CLUSTERCTL_PLUGIN_ISOLATOR, "mem", "/p"), "/p/isolator_mem.so");
}

TEST(PluginLibrary, LoadsTheFirstFitAllocator) {
  auto library =
      PluginLibrary::open(kPluginDir + "/allocator_first_fit.so", CLUSTERCTL_PLUGIN_ALLOCATOR);
  ASSERT_TRUE(library.is_ok()) << library.status().message();
  EXPECT_STREQ((*library)->descriptor().name, "first_fit");
}

TEST(PluginLibrary, MissingFileNamesThePath) {
  auto library = PluginLibrary::open("/nonexistent/allocator_x.so", CLUSTERCTL_PLUGIN_ALLOCATOR);
  ASSERT_FALSE(library.is_ok());
  EXPECT_TRUE(contains(library.status().message(), "/nonexistent/allocator_x.so"));
}

TEST(PluginLibrary, RefusesAnotherAbiVersion) {
  auto library =
      PluginLibrary::open(kBadDir + "/test_bad_plugin_1.so", CLUSTERCTL_PLUGIN_ALLOCATOR);
  ASSERT_FALSE(library.is_ok());
  EXPECT_TRUE(contains(library.status().message(), "ABI version 2")) << library.status().message();
}

TEST(PluginLibrary, RefusesTheWrongKind) {
  auto library =
      PluginLibrary::open(kBadDir + "/test_bad_plugin_2.so", CLUSTERCTL_PLUGIN_ALLOCATOR);
  ASSERT_FALSE(library.is_ok());
  EXPECT_TRUE(contains(library.status().message(), "isolator plugin"))
      << library.status().message();
}

TEST(PluginLibrary, RefusesAFileWithoutTheEntrySymbol) {
  auto library =
      PluginLibrary::open(kBadDir + "/test_bad_plugin_3.so", CLUSTERCTL_PLUGIN_ALLOCATOR);
  ASSERT_FALSE(library.is_ok());
  EXPECT_TRUE(contains(library.status().message(), "clusterctl_plugin_entry"));
}

TEST(FirstFitAllocator, OffersAgentsRoundRobinAndHonoursFilters) {
  auto allocator = Allocator::load("first_fit", kPluginDir);
  ASSERT_TRUE(allocator.is_ok()) << allocator.status().message();
  Allocator& a = **allocator;
  auto total = *Resources::parse("cpus:4;mem:4096");
  ASSERT_TRUE(a.add_agent("a1", total, {}, 0).is_ok());
  ASSERT_TRUE(a.add_framework("f1", {"*"}, 0).is_ok());
  auto first = a.allocate(0);
  ASSERT_TRUE(first.is_ok());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].framework_id, "f1");
  EXPECT_EQ((*first)[0].resources, total);
  // Everything is allocated: nothing more to offer.
  EXPECT_TRUE(a.allocate(0)->empty());
  // Declined with a 5 s filter: not offered again to f1 before then.
  ASSERT_TRUE(a.recover("f1", "a1", "*", total, 5000, 0).is_ok());
  EXPECT_TRUE(a.allocate(1000)->empty());
  auto later = a.allocate(6000);
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0].framework_id, "f1");
}

TEST(FirstFitAllocator, RespectsReservationsAndSuppression) {
  auto allocator = Allocator::load("first_fit", kPluginDir);
  ASSERT_TRUE(allocator.is_ok());
  Allocator& a = **allocator;
  ASSERT_TRUE(a.add_agent("a1", *Resources::parse("cpus(ops):2;mem(ops):512"), {}, 0).is_ok());
  ASSERT_TRUE(a.add_framework("dev", {"dev"}, 0).is_ok());
  EXPECT_TRUE(a.allocate(0)->empty()) << "ops' reservation must not go to dev";
  ASSERT_TRUE(a.add_framework("ops", {"ops"}, 0).is_ok());
  ASSERT_TRUE(a.suppress("ops", {}, 0).is_ok());
  EXPECT_TRUE(a.allocate(0)->empty()) << "a suppressed framework gets no offers";
  ASSERT_TRUE(a.revive("ops", {}, 0).is_ok());
  auto offers = a.allocate(0);
  ASSERT_EQ(offers->size(), 1u);
  EXPECT_EQ((*offers)[0].framework_id, "ops");
  EXPECT_EQ((*offers)[0].role, "ops");
}

}  // namespace
}  // namespace clusterctl
