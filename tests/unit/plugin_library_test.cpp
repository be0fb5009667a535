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

std::string bad_plugin(const std::string& name) {
  return kBadDir + "/test_bad_plugin_" + name + ".so";
}

// The loader's error for a broken allocator plugin.
std::string refusal(const std::string& name) {
  auto library = PluginLibrary::open(bad_plugin(name), CLUSTERCTL_PLUGIN_ALLOCATOR);
  EXPECT_FALSE(library.is_ok()) << name << " was loaded";
  return library.is_ok() ? "" : library.status().message();
}

const std::string kRebuild = ": rebuild it against this release's headers";

TEST(PluginLibrary, RefusesAnotherAbiVersion) {
  EXPECT_EQ(refusal("abi_version"), "plugin '" + bad_plugin("abi_version") +
                                        "' was built for plugin ABI version 3 but this "
                                        "clusterctl uses 2" +
                                        kRebuild);
}

TEST(PluginLibrary, RefusesTheWrongKind) {
  EXPECT_EQ(refusal("wrong_kind"),
            "plugin '" + bad_plugin("wrong_kind") +
                "' is an isolator plugin, but an allocator plugin is needed");
}

TEST(PluginLibrary, RefusesAKindItDoesNotKnow) {
  EXPECT_EQ(refusal("unknown_kind"), "plugin '" + bad_plugin("unknown_kind") +
                                         "' declares kind 42, which this clusterctl does not "
                                         "know, but an allocator plugin is needed");
  EXPECT_EQ(refusal("authenticator"),
            "plugin '" + bad_plugin("authenticator") +
                "' is an authenticator plugin, but an allocator plugin is needed");
  // Loaded as an authenticator, its (allocator-sized) table is too small.
  auto authn = PluginLibrary::open(bad_plugin("authenticator"), CLUSTERCTL_PLUGIN_AUTHENTICATOR);
  ASSERT_FALSE(authn.is_ok());
  EXPECT_NE(authn.status().message().find(
                "clusterctl_authenticator_functions of plugin ABI version 2 needs at least"),
            std::string::npos)
      << authn.status().message();
}

TEST(PluginLibrary, RefusesAFileWithoutTheEntrySymbol) {
  EXPECT_EQ(refusal("no_entry"), "'" + bad_plugin("no_entry") +
                                     "' is not a clusterctl plugin: it does not export "
                                     "clusterctl_plugin_entry");
}

TEST(PluginLibrary, RefusesNullRequiredFunctionsNamingThem) {
  EXPECT_EQ(refusal("null_create"),
            bad_plugin("null_create") +
                ": required function 'create' is NULL (an allocator plugin must provide it)");
  EXPECT_EQ(refusal("null_function"),
            bad_plugin("null_function") +
                ": required function 'allocate' is NULL (an allocator plugin must provide it)");
}

TEST(PluginLibrary, RefusesStructsSmallerThanTheAbiDefines) {
  EXPECT_EQ(refusal("small_descriptor"),
            bad_plugin("small_descriptor") +
                ": its descriptor's struct_size is 16 bytes, but plugin ABI version 2 needs at "
                "least " +
                std::to_string(sizeof(clusterctl_plugin_descriptor)) + kRebuild);
  EXPECT_EQ(refusal("small_table"),
            bad_plugin("small_table") +
                ": its function table's struct_size is 8 bytes, but "
                "clusterctl_allocator_functions of plugin ABI version 2 needs at least " +
                std::to_string(sizeof(clusterctl_allocator_functions)) + kRebuild);
}

TEST(PluginLibrary, TheHostSeesItsOwnCopyOfTheTable) {
  auto library =
      PluginLibrary::open(kPluginDir + "/allocator_first_fit.so", CLUSTERCTL_PLUGIN_ALLOCATOR);
  ASSERT_TRUE(library.is_ok()) << library.status().message();
  auto table = (*library)->functions<clusterctl_allocator_functions>();
  EXPECT_EQ(table.struct_size, sizeof(clusterctl_allocator_functions));
  EXPECT_NE(table.allocate, nullptr);
  EXPECT_EQ((*library)->descriptor().struct_size, sizeof(clusterctl_plugin_descriptor));
}

// The in-tree C glue (allocator_plugin.hpp) around an implementation that
// throws: every call comes back as an error with the exception's message.
TEST(PluginLibrary, TheGlueTurnsExceptionsIntoErrors) {
  auto allocator = Allocator::load(bad_plugin("throwing"), kPluginDir);
  ASSERT_TRUE(allocator.is_ok()) << allocator.status().message();
  Status event = (*allocator)->add_framework("f1", {"*"}, 0);
  EXPECT_EQ(event.message(),
            "allocator rejected event 'add_framework': the allocator threw: handle threw on "
            "add_framework");
  auto allocations = (*allocator)->allocate(0);
  ASSERT_FALSE(allocations.is_ok());
  EXPECT_EQ(allocations.status().message(),
            "allocator failed: the allocator threw an exception that is not a std::exception");
  auto state = (*allocator)->state();
  ASSERT_FALSE(state.is_ok());
  EXPECT_EQ(state.status().message(), "allocator state failed: describe refused");
  AllocatorConfig config;
  config.min_allocatable = {"cpus:1"};  // makes its create throw
  auto refused = Allocator::load(bad_plugin("throwing"), kPluginDir, config);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().message(),
            "allocator '" + bad_plugin("throwing") +
                "' failed to start: the allocator threw an exception that is not a "
                "std::exception");
}

// A plugin whose own C functions let exceptions escape (the ABI forbids
// it): the host catches them, reports an error and carries on.
TEST(PluginLibrary, TheHostSurvivesExceptionsEscapingAPlugin) {
  auto allocator = Allocator::load(bad_plugin("escaping"), kPluginDir);
  ASSERT_TRUE(allocator.is_ok()) << allocator.status().message();
  const std::string escaped =
      "an exception escaped the plugin (a bug in the plugin: the plugin ABI forbids it)";
  Status event = (*allocator)->remove_agent("a1", 0);
  EXPECT_EQ(event.message(), "allocator rejected event 'remove_agent': " + escaped);
  auto allocations = (*allocator)->allocate(0);
  ASSERT_FALSE(allocations.is_ok());
  EXPECT_EQ(allocations.status().message(), "allocator failed: " + escaped);
  EXPECT_TRUE((*allocator)->state().is_ok()) << "the host still uses the plugin afterwards";
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

TEST(FirstFitAllocator, RefusesToTakeBackWhatNobodyHolds) {
  auto allocator = Allocator::load("first_fit", kPluginDir);
  ASSERT_TRUE(allocator.is_ok()) << allocator.status().message();
  Allocator& a = **allocator;
  auto total = *Resources::parse("cpus:4;mem:4096");
  ASSERT_TRUE(a.add_agent("a1", total, {}, 0).is_ok());
  ASSERT_TRUE(a.add_framework("f1", {"*"}, 0).is_ok());
  ASSERT_EQ(a.allocate(0)->size(), 1u);
  Status unknown_agent = a.recover("f1", "a9", "*", total, 0, 0);
  EXPECT_TRUE(contains(unknown_agent.message(),
                       "cannot take back cpus:4;mem:4096 from framework f1 on agent a9: the "
                       "allocator does not know that agent"))
      << unknown_agent.message();
  Status unknown_framework = a.recover("f9", "a1", "*", total, 0, 0);
  EXPECT_TRUE(contains(unknown_framework.message(), "the framework holds nothing there"))
      << unknown_framework.message();
  // Nothing changed: a1 is still wholly held by f1...
  EXPECT_TRUE(a.allocate(0)->empty());
  // ...until f1 gives it back, even after it is gone.
  ASSERT_TRUE(a.remove_framework("f1", 0).is_ok());
  ASSERT_TRUE(a.add_framework("f2", {"*"}, 0).is_ok());
  EXPECT_TRUE(a.allocate(0)->empty());
  ASSERT_TRUE(a.recover("f1", "a1", "*", total, 0, 0).is_ok());
  auto offers = a.allocate(0);
  ASSERT_EQ(offers->size(), 1u);
  EXPECT_EQ((*offers)[0].framework_id, "f2");
  EXPECT_FALSE(a.recover("f1", "a1", "*", total, 0, 0).is_ok()) << "given back twice";
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
