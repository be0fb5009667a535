// pick_resources: which of an offer's resources a task gets.
#include "core/resource_fit.hpp"

#include <gtest/gtest.h>

namespace clusterctl {
namespace {

Resources parse(const std::string& text) {
  auto resources = Resources::parse(text);
  EXPECT_TRUE(resources.is_ok()) << resources.status().message();
  return *resources;
}

std::string pick(const std::string& offered, const std::string& wanted, const std::string& role) {
  auto picked = pick_resources(parse(offered), parse(wanted), role);
  return picked ? picked->to_string() : "no fit";
}

TEST(PickResources, UnreservedWhenThatIsAllThereIs) {
  EXPECT_EQ(pick("cpus:4;mem:1024", "cpus:1;mem:64", "*"), "cpus:1;mem:64");
  EXPECT_EQ(pick("cpus:4;mem:1024", "cpus:1;mem:64", "ops"), "cpus:1;mem:64");
}

TEST(PickResources, OwnReservationFirstThenAncestorsThenUnreserved) {
  EXPECT_EQ(pick("cpus(eng/ml):1;cpus(eng):1;cpus:4", "cpus:0.5", "eng/ml"), "cpus(eng/ml):0.5");
  EXPECT_EQ(pick("cpus(eng/ml):1;cpus(eng):1;cpus:4", "cpus:2.5", "eng/ml"),
            "cpus:0.5;cpus(eng):1;cpus(eng/ml):1");
}

TEST(PickResources, OthersReservationsAreNeverUsed) {
  EXPECT_EQ(pick("cpus(ops):4;mem:1024", "cpus:1;mem:64", "dev"), "no fit");
  EXPECT_EQ(pick("cpus(eng/ml):4;mem:1024", "cpus:1;mem:64", "eng"), "no fit");
}

TEST(PickResources, NamedRolesMustMatchAndComeFirst) {
  EXPECT_EQ(pick("cpus(ops):1;cpus:1", "cpus(ops):1;cpus:1", "ops"), "cpus:1;cpus(ops):1");
  EXPECT_EQ(pick("cpus(ops):1;cpus:2", "cpus(ops):2", "ops"), "no fit");
}

TEST(PickResources, RangesAndSetsComeWholeFromOneRole) {
  EXPECT_EQ(pick("ports(ops):[31000-31010];ports:[32000-32010]", "ports:[32005-32006]", "ops"),
            "ports:[32005-32006]");
  EXPECT_EQ(pick("ports(ops):[31000-31010]", "ports:[31000-31001]", "ops"),
            "ports(ops):[31000-31001]");
  EXPECT_EQ(pick("ports:[31000-31010]", "ports:[30000]", "*"), "no fit");
}

TEST(PickResources, TooLittleIsNoFit) {
  EXPECT_EQ(pick("cpus(ops):1;cpus:1", "cpus:3", "ops"), "no fit");
  EXPECT_EQ(pick("cpus:1", "cpus:1;mem:1", "*"), "no fit");
}

}  // namespace
}  // namespace clusterctl
