// Reserve and unreserve operations of an accept, applied to offered resources.
#include "daemons/master/offer_operations.hpp"

#include <gtest/gtest.h>

namespace clusterctl {
namespace {

Resources res(const std::string& text) {
  return *Resources::parse(text);
}

OfferOperation op(const std::string& type, const std::string& resources) {
  return {type, res(resources)};
}

bool has(const Status& status, const std::string& part) {
  return status.message().find(part) != std::string::npos;
}

TEST(OfferOperations, ReserveTurnsUnreservedOfferedResourcesIntoReservedOnes) {
  auto result = apply_offer_operations(res("cpus:4;mem:1024"), "ops", {},
                                       {op("reserve", "cpus(ops):1;mem(ops):256")});
  ASSERT_TRUE(result.is_ok()) << result.status().message();
  EXPECT_EQ(result->resources, res("cpus:3;cpus(ops):1;mem:768;mem(ops):256"));
  EXPECT_EQ(result->reserved, res("cpus(ops):1;mem(ops):256"));
  EXPECT_TRUE(result->unreserved.empty());
}

TEST(OfferOperations, UnreserveGivesBackDynamicReservationsOnly) {
  Resources offered = res("cpus(ops):2;cpus:1");
  auto result =
      apply_offer_operations(offered, "ops", res("cpus(ops):1"), {op("unreserve", "cpus(ops):1")});
  ASSERT_TRUE(result.is_ok()) << result.status().message();
  EXPECT_EQ(result->resources, res("cpus(ops):1;cpus:2"));
  EXPECT_EQ(result->unreserved, res("cpus(ops):1"));
  // The second reserved cpu is static (from the agent's --resources).
  auto refused =
      apply_offer_operations(offered, "ops", res("cpus(ops):1"), {op("unreserve", "cpus(ops):2")});
  EXPECT_TRUE(has(refused.status(), "no such dynamic reservation"));
  // What the same accept reserved may be unreserved again.
  auto both = apply_offer_operations(
      res("cpus:1"), "ops", {}, {op("reserve", "cpus(ops):1"), op("unreserve", "cpus(ops):1")});
  ASSERT_TRUE(both.is_ok()) << both.status().message();
  EXPECT_EQ(both->resources, res("cpus:1"));
}

TEST(OfferOperations, RefusesWhatTheOfferOrTheRoleDoesNotAllow) {
  Resources offered = res("cpus:1;mem:512");
  EXPECT_TRUE(
      has(apply_offer_operations(offered, "ops", {}, {op("reserve", "cpus(ops):2")}).status(),
          "the offers hold only cpus:1;mem:512"));
  EXPECT_TRUE(
      has(apply_offer_operations(offered, "ops", {}, {op("reserve", "cpus(dev):1")}).status(),
          "can reserve and unreserve only for ops"));
  EXPECT_TRUE(has(apply_offer_operations(offered, "ops", {}, {op("reserve", "cpus:1")}).status(),
                  "names no role"));
  EXPECT_TRUE(
      has(apply_offer_operations(offered, "ops", {}, {op("create", "cpus(ops):1")}).status(),
          "unknown operation 'create'"));
  EXPECT_TRUE(has(check_reservation({}), "no resources given"));
}

}  // namespace
}  // namespace clusterctl
