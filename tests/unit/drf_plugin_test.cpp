// allocator_drf.so through the plugin ABI, as the master uses it: events in,
// allocations and the per-role description out, bad events refused.
#include <gtest/gtest.h>

#include "daemons/master/allocator.hpp"

namespace clusterctl {
namespace {

const std::string kPluginDir = std::string(CLUSTERCTL_BUILD_DIR) + "/lib/clusterctl";

Resources res(const std::string& text) {
  return *Resources::parse(text);
}

std::unique_ptr<Allocator> load_drf(const std::string& min_allocatable = "cpus:0.01|mem:32") {
  auto config = allocator_config(min_allocatable);
  EXPECT_TRUE(config.is_ok()) << config.status().message();
  auto allocator = Allocator::load("drf", kPluginDir, *config);
  EXPECT_TRUE(allocator.is_ok()) << allocator.status().message();
  return allocator.is_ok() ? std::move(allocator).value() : nullptr;
}

TEST(DrfPlugin, LoadsByNameAndDescribesItself) {
  auto allocator = load_drf();
  ASSERT_TRUE(allocator);
  EXPECT_EQ(allocator->describe_plugin(), "drf 1.0.0");
}

TEST(DrfPlugin, AllocatesByWeightThroughTheAbi) {
  auto allocator = load_drf();
  ASSERT_TRUE(allocator);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(
        allocator->add_agent("a" + std::to_string(i), res("cpus:2;mem:1024"), {}, 0).is_ok());
  }
  ASSERT_TRUE(allocator->set_weight("analytics", 3, 0).is_ok());
  ASSERT_TRUE(allocator->add_framework("f1", {"analytics"}, 0).is_ok());
  ASSERT_TRUE(allocator->add_framework("f2", {"batch"}, 0).is_ok());
  auto allocations = allocator->allocate(0);
  ASSERT_TRUE(allocations.is_ok()) << allocations.status().message();
  ASSERT_EQ(allocations->size(), 4u);
  int analytics = 0;
  for (const Allocation& allocation : *allocations) {
    EXPECT_EQ(allocation.resources, res("cpus:2;mem:1024"));
    if (allocation.role == "analytics") ++analytics;
  }
  EXPECT_EQ(analytics, 3);
  auto roles = allocator->roles();
  ASSERT_TRUE(roles.is_ok()) << roles.status().message();
  bool found = false;
  for (const AllocatorRoleState& role : *roles) {
    if (role.role != "analytics") continue;
    found = true;
    EXPECT_EQ(role.weight, 3);
    EXPECT_EQ(role.allocated, res("cpus:6;mem:3072"));
    EXPECT_DOUBLE_EQ(role.share, 0.75 / 3);
  }
  EXPECT_TRUE(found);
}

TEST(DrfPlugin, QuotasRecoverAndUpdatesCrossTheAbi) {
  auto allocator = load_drf();
  ASSERT_TRUE(allocator);
  ASSERT_TRUE(allocator->add_agent("a1", res("cpus:4;mem:4096"), {}, 0).is_ok());
  ASSERT_TRUE(allocator->set_quota("ops", {}, res("cpus:1"), 0).is_ok());
  ASSERT_TRUE(allocator->add_framework("f1", {"ops"}, 0).is_ok());
  auto first = allocator->allocate(0);
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].resources.scalar("cpus"), 1);
  ASSERT_TRUE(allocator->recover("f1", "a1", "ops", (*first)[0].resources, 0, 0).is_ok());
  ASSERT_TRUE(allocator->remove_quota("ops", 0).is_ok());
  ASSERT_TRUE(allocator->update_agent("a1", res("cpus:2;cpus(ops):2;mem:4096"), {}, 0).is_ok());
  auto second = allocator->allocate(1);
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].resources, res("cpus:2;cpus(ops):2;mem:4096"));
}

bool has_role(Allocator& allocator, const std::string& name) {
  auto roles = allocator.roles();
  EXPECT_TRUE(roles.is_ok()) << roles.status().message();
  for (const AllocatorRoleState& role : *roles) {
    if (role.role == name) return true;
  }
  return false;
}

// Giving back what the allocator cannot account for is an error that changes
// nothing (and that the master logs), never a silent leak or a new client.
TEST(DrfPlugin, RecoverOfWhatItDoesNotKnowIsAnErrorThatChangesNothing) {
  auto allocator = load_drf();
  ASSERT_TRUE(allocator);
  Resources all = res("cpus:4;mem:4096");
  ASSERT_TRUE(allocator->add_agent("a1", all, {}, 0).is_ok());
  ASSERT_TRUE(allocator->add_framework("f1", {"*"}, 0).is_ok());
  ASSERT_EQ(allocator->allocate(0)->size(), 1u);
  auto refused = [&](const std::string& framework, const std::string& agent,
                     const std::string& role, const std::string& why) {
    Status status = allocator->recover(framework, agent, role, all, 0, 0);
    EXPECT_EQ(status.message(), "allocator rejected event 'recover': cannot take back " +
                                    all.to_string() + " from framework " + framework + " in role " +
                                    role + " on agent " + agent + ": " + why +
                                    " (nothing changed in the allocator: the master and the "
                                    "allocator disagree about what is held; please report it)");
  };
  refused("f1", "a9", "*", "the allocator does not know that agent");
  refused("f9", "a1", "*", "the allocator does not know that framework");
  refused("f1", "a1", "ops", "the framework holds nothing in that role");
  EXPECT_FALSE(has_role(*allocator, "ops")) << "a recover must not create a role or client";
  // Nothing was given back: a1 is still wholly f1's.
  EXPECT_TRUE(allocator->allocate(1)->empty());
  ASSERT_TRUE(allocator->add_framework("f2", {"*"}, 0).is_ok());
  EXPECT_TRUE(allocator->allocate(2)->empty());
  // The right recover works once; a second one is refused.
  ASSERT_TRUE(allocator->recover("f1", "a1", "*", all, 0, 0).is_ok());
  refused("f1", "a1", "*", "the framework holds nothing in that role there");
  EXPECT_EQ(allocator->allocate(3)->size(), 1u);
}

TEST(DrfPlugin, RefusesBadEventsAndIgnoresUnknownOnes) {
  auto allocator = load_drf();
  ASSERT_TRUE(allocator);
  Status bad = allocator->add_framework("f1", {"no//role"}, 0);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.message().find("invalid role"), std::string::npos) << bad.message();
  EXPECT_FALSE(allocator->set_weight("analytics", -1, 0).is_ok());
  // An event type from a newer master is ignored.
  EXPECT_TRUE(allocator->suppress("nobody", {}, 0).is_ok());
}

TEST(DrfPlugin, RefusesABadConfiguration) {
  AllocatorConfig config;
  config.min_allocatable = {"cpus:lots"};
  auto allocator = Allocator::load("drf", kPluginDir, config);
  ASSERT_FALSE(allocator.is_ok());
  EXPECT_NE(allocator.status().message().find("min_allocatable"), std::string::npos);
  EXPECT_FALSE(allocator_config("cpus:0.01|").is_ok());
  EXPECT_FALSE(allocator_config("ports:[1-2]").is_ok());
  EXPECT_EQ(allocator_config("cpus:0.01|mem:32")->min_allocatable,
            (std::vector<std::string>{"cpus:0.01", "mem:32"}));
}

}  // namespace
}  // namespace clusterctl
