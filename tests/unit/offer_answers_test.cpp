// The checks of a framework's answer to its offers, made before the master
// changes anything: ownership, outstanding offers named once, one agent and
// one role for an accept, and a finite refuse_seconds (huge ones clamped).
#include "daemons/master/offer_answers.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace clusterctl {
namespace {

std::map<std::string, OfferRecord> offers() {
  auto offer = [](const std::string& id, const std::string& framework, const std::string& agent,
                  const std::string& role, const std::string& resources) {
    Offer made;
    made.id = id;
    made.framework_id = framework;
    made.agent_id = agent;
    made.role = role;
    made.resources = *Resources::parse(resources);
    return std::pair<const std::string, OfferRecord>(id, OfferRecord{made, 0});
  };
  return {offer("o1", "fw", "a1", "*", "cpus:1;mem:64"), offer("o2", "fw", "a1", "*", "cpus:2"),
          offer("o3", "fw", "a2", "*", "cpus:1"), offer("o4", "fw", "a1", "web", "cpus:1"),
          offer("victim", "other", "a1", "*", "cpus:4")};
}

TEST(OfferAnswers, ClaimsTheCallersOwnOffersAddedUp) {
  auto claimed = claim_offers(offers(), "fw", {"o1", "o2"}, true);
  ASSERT_TRUE(claimed.is_ok()) << claimed.status().message();
  EXPECT_EQ(claimed->agent_id, "a1");
  EXPECT_EQ(claimed->role, "*");
  EXPECT_EQ(claimed->resources, *Resources::parse("cpus:3;mem:64"));
}

TEST(OfferAnswers, RefusesAnotherFrameworksOfferUnknownOnesAndOnesNamedTwice) {
  auto theirs = claim_offers(offers(), "fw", {"o1", "victim"}, false);
  EXPECT_EQ(theirs.status().kind(), ErrorKind::kPermissionDenied);
  EXPECT_NE(theirs.status().message().find("not made to framework fw"), std::string::npos);
  EXPECT_EQ(claim_offers(offers(), "fw", {"o1", "gone"}, false).status().kind(),
            ErrorKind::kNotFound);
  EXPECT_EQ(claim_offers(offers(), "fw", {"o1", "o1"}, true).status().kind(),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(claim_offers(offers(), "fw", {}, false).status().kind(), ErrorKind::kInvalidArgument);
}

TEST(OfferAnswers, AnAcceptsOffersShareOneAgentAndOneRole) {
  EXPECT_EQ(claim_offers(offers(), "fw", {"o1", "o3"}, true).status().kind(),
            ErrorKind::kInvalidArgument);
  auto roles = claim_offers(offers(), "fw", {"o1", "o4"}, true);
  EXPECT_NE(roles.status().message().find("one role"), std::string::npos);
  EXPECT_TRUE(claim_offers(offers(), "fw", {"o1", "o3", "o4"}, false).is_ok())
      << "a decline may name offers on any agents";
}

TEST(OfferAnswers, RefuseSecondsMustBeFiniteAndIsKeptToAYear) {
  Filters filters;
  filters.refuse_seconds = 2.5;
  EXPECT_EQ(refuse_millis(filters).value(), 2500);
  filters.refuse_seconds = -3;
  EXPECT_EQ(refuse_millis(filters).value(), 0);
  filters.refuse_seconds = 1e300;
  EXPECT_EQ(refuse_millis(filters).value(), int64_t{365} * 24 * 3600 * 1000);
  for (double bad : {std::nan(""), std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()}) {
    filters.refuse_seconds = bad;
    EXPECT_EQ(refuse_millis(filters).status().kind(), ErrorKind::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace clusterctl
