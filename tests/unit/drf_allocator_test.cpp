// The DRF allocator driven in-process: what it offers to whom, with weights,
// nested roles, quotas, reservations, filters, suppression and the minimum
// worth offering; and fairness over many cycles.
#include "plugins/allocators/drf/drf_allocator.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace clusterctl::drf {
namespace {

Resources res(const std::string& text) {
  auto parsed = Resources::parse(text);
  EXPECT_TRUE(parsed.is_ok()) << parsed.status().message();
  return parsed.is_ok() ? *parsed : Resources();
}

struct Offered {
  std::string framework;
  std::string agent;
  std::string role;
  Resources resources;
};

class DrfAllocatorTest : public ::testing::Test {
 protected:
  static DrfOptions options() {
    DrfOptions options;
    options.min_allocatable = {res("cpus:0.01"), res("mem:32")};
    return options;
  }

  std::vector<Offered> cycle(int64_t now = 0) {
    std::vector<Offered> offers;
    for (const Grant& grant : allocator_.allocate(now)) {
      offers.push_back({allocator_.framework_id(grant), allocator_.agent_id(grant),
                        allocator_.role_name(grant), allocator_.resources(grant.resources)});
    }
    return offers;
  }

  // Declines (or returns) an offer.
  void decline(const Offered& offer, int64_t refuse_millis, int64_t now = 0) {
    Status taken = allocator_.recover(offer.framework, offer.agent, offer.role, offer.resources,
                                      refuse_millis, now);
    EXPECT_TRUE(taken.is_ok()) << taken.message();
  }

  static double cpus_of(const std::vector<Offered>& offers, const std::string& framework) {
    double cpus = 0;
    for (const Offered& offer : offers) {
      if (offer.framework == framework) cpus += offer.resources.scalar("cpus");
    }
    return cpus;
  }

  DrfAllocator allocator_{options()};
};

TEST_F(DrfAllocatorTest, OffersAWholeAgentOnceUntilItComesBack) {
  allocator_.add_agent("a1", res("cpus:4;mem:4096;ports:[31000-31010]"), {});
  allocator_.add_framework("f1", {"*"});
  auto offers = cycle();
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].framework, "f1");
  EXPECT_EQ(offers[0].agent, "a1");
  EXPECT_EQ(offers[0].role, "*");
  EXPECT_EQ(offers[0].resources, res("cpus:4;mem:4096;ports:[31000-31010]"));
  EXPECT_TRUE(cycle().empty()) << "everything is out already";
  decline(offers[0], 0);
  EXPECT_EQ(cycle().size(), 1u);
}

TEST_F(DrfAllocatorTest, DeclineFiltersExpireAndAreLiftedByMore) {
  allocator_.add_agent("a1", res("cpus:4;mem:4096"), {});
  allocator_.add_framework("f1", {"*"});
  auto offers = cycle(0);
  ASSERT_EQ(offers.size(), 1u);
  decline(offers[0], 5000, 0);
  EXPECT_TRUE(cycle(1000).empty()) << "filtered for 5 s";
  EXPECT_TRUE(cycle(4999).empty());
  ASSERT_EQ(cycle(5000).size(), 1u) << "the filter expired";
  // A filter hides offers no larger than what was declined: once more is free, it shows.
  EXPECT_TRUE(allocator_.recover("f1", "a1", "*", res("cpus:2;mem:2048"), 60000, 6000).is_ok());
  EXPECT_TRUE(cycle(7000).empty());
  EXPECT_TRUE(allocator_.recover("f1", "a1", "*", res("cpus:2;mem:2048"), 0, 7000).is_ok());
  auto larger = cycle(8000);
  ASSERT_EQ(larger.size(), 1u);
  EXPECT_EQ(larger[0].resources, res("cpus:4;mem:4096"));
}

TEST_F(DrfAllocatorTest, AFilterOnOneFrameworkLetsTheNextOneHaveIt) {
  allocator_.add_agent("a1", res("cpus:4;mem:4096"), {});
  allocator_.add_framework("f1", {"*"});
  allocator_.add_framework("f2", {"*"});
  auto first = cycle();
  ASSERT_EQ(first.size(), 1u);
  decline(first[0], 10000);
  auto second = cycle(1);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(second[0].framework, first[0].framework);
}

TEST_F(DrfAllocatorTest, SuppressAndReviveAreByRole) {
  allocator_.add_agent("a1", res("cpus:4;mem:4096"), {});
  allocator_.add_framework("f1", {"web", "batch"});
  allocator_.suppress("f1", {});
  EXPECT_TRUE(cycle().empty()) << "suppressed in every role";
  allocator_.revive("f1", {"batch"});
  auto offers = cycle();
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].role, "batch");
  decline(offers[0], 3600 * 1000);
  EXPECT_TRUE(cycle(1).empty());
  allocator_.revive("f1", {"batch"});  // drops the filter
  EXPECT_EQ(cycle(2).size(), 1u);
}

TEST_F(DrfAllocatorTest, ReservationsGoOnlyToTheirRoleAndItsDescendants) {
  allocator_.add_agent("a1", res("cpus(eng):2;mem(eng):1024;cpus:1;mem:512"), {});
  allocator_.add_framework("ops", {"ops"});
  auto offers = cycle();
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].resources, res("cpus:1;mem:512")) << "only the unreserved part";
  allocator_.add_framework("ml", {"eng/ml"});
  offers = cycle();
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].framework, "ml");
  EXPECT_EQ(offers[0].role, "eng/ml");
  EXPECT_EQ(offers[0].resources, res("cpus(eng):2;mem(eng):1024"));
}

TEST_F(DrfAllocatorTest, WeightsDecideWhoGetsMoreAgents) {
  for (int i = 0; i < 8; ++i)
    allocator_.add_agent("a" + std::to_string(i), res("cpus:1;mem:1024"), {});
  allocator_.set_weight("analytics", 3);
  allocator_.add_framework("analytics", {"analytics"});
  allocator_.add_framework("batch", {"batch"});
  auto offers = cycle();
  EXPECT_EQ(cpus_of(offers, "analytics"), 6);
  EXPECT_EQ(cpus_of(offers, "batch"), 2);
}

TEST_F(DrfAllocatorTest, AQuotaGuaranteeIsHeldBackForItsRole) {
  for (int i = 0; i < 4; ++i)
    allocator_.add_agent("a" + std::to_string(i), res("cpus:4;mem:4096"), {});
  allocator_.set_quota("analytics", res("cpus:8;mem:8192"), {});
  allocator_.add_framework("batch", {"batch"});
  auto offers = cycle();
  EXPECT_EQ(cpus_of(offers, "batch"), 8) << "half of the cluster is held back for analytics";
  allocator_.add_framework("analytics", {"analytics"});
  offers = cycle();
  EXPECT_EQ(cpus_of(offers, "analytics"), 8);
}

TEST_F(DrfAllocatorTest, GuaranteesAreOfferedBeforeFairShares) {
  for (int i = 0; i < 4; ++i)
    allocator_.add_agent("a" + std::to_string(i), res("cpus:4;mem:4096"), {});
  allocator_.set_quota("analytics", res("cpus:12"), {});
  allocator_.add_framework("batch", {"batch"});
  allocator_.add_framework("analytics", {"analytics"});
  auto offers = cycle();
  EXPECT_EQ(cpus_of(offers, "analytics"), 12);
  EXPECT_EQ(cpus_of(offers, "batch"), 4);
}

TEST_F(DrfAllocatorTest, AQuotaLimitIsNeverExceededEvenByOutstandingOffers) {
  for (int i = 0; i < 4; ++i)
    allocator_.add_agent("a" + std::to_string(i), res("cpus:4;mem:4096"), {});
  allocator_.set_quota("analytics", {}, res("cpus:6"));
  allocator_.add_framework("analytics", {"analytics"});
  auto offers = cycle();
  EXPECT_EQ(cpus_of(offers, "analytics"), 6);
  EXPECT_TRUE(cycle(1).empty()) << "offers outstanding count against the limit";
  decline(offers[0], 0);
  EXPECT_EQ(cpus_of(cycle(2), "analytics"), offers[0].resources.scalar("cpus"));
  allocator_.remove_quota("analytics");
  EXPECT_EQ(cpus_of(cycle(3), "analytics"), 10);
}

TEST_F(DrfAllocatorTest, ALimitOnAParentCapsItsChildren) {
  allocator_.add_agent("a1", res("cpus:8;mem:8192"), {});
  allocator_.set_quota("eng", {}, res("cpus:3"));
  allocator_.add_framework("ml", {"eng/ml"});
  allocator_.add_framework("web", {"eng/web"});
  auto offers = cycle();
  EXPECT_EQ(cpus_of(offers, "ml") + cpus_of(offers, "web"), 3);
}

TEST_F(DrfAllocatorTest, NothingBelowTheMinimumIsOffered) {
  allocator_.add_agent("tiny", res("cpus:0.005;mem:16"), {});
  allocator_.add_framework("f1", {"*"});
  EXPECT_TRUE(cycle().empty());
  allocator_.add_agent("small", res("cpus:0.005;mem:32"), {});
  auto offers = cycle();
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].agent, "small");
}

TEST_F(DrfAllocatorTest, WhatTasksHoldOnAnAddedAgentCountsForItsFramework) {
  allocator_.add_agent("a1", res("cpus:4;mem:4096"), {{"f1", "*", res("cpus:4;mem:4096")}});
  allocator_.add_agent("a2", res("cpus:4;mem:4096"), {});
  allocator_.add_framework("f1", {"*"});
  allocator_.add_framework("f2", {"*"});
  auto offers = cycle();
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].framework, "f2") << "f1 already holds half of the cluster";
  EXPECT_EQ(offers[0].agent, "a2");
}

TEST_F(DrfAllocatorTest, UpdatingAnAgentKeepsWhatIsHeldAndAppliesReservations) {
  allocator_.add_agent("a1", res("cpus:4;mem:4096"), {});
  allocator_.add_framework("ops", {"ops"});
  allocator_.add_framework("dev", {"dev"});
  auto offers = cycle();
  ASSERT_EQ(offers.size(), 1u);
  decline(offers[0], 0);
  allocator_.update_agent("a1", res("cpus:2;cpus(ops):2;mem:4096"),
                          {{"dev", "dev", res("cpus:1")}});
  offers = cycle();
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].framework, "ops") << "dev holds a cpu, so ops comes first";
  EXPECT_EQ(offers[0].resources, res("cpus:1;cpus(ops):2;mem:4096"));
}

TEST_F(DrfAllocatorTest, AgentsNobodyWantsAreParkedUntilSomethingChanges) {
  for (int i = 0; i < 50; ++i)
    allocator_.add_agent("a" + std::to_string(i), res("cpus:4;mem:4096"), {});
  allocator_.add_framework("f1", {"*"});
  for (const Offered& offer : cycle(0)) decline(offer, 3600 * 1000, 0);
  EXPECT_TRUE(cycle(1).empty());
  EXPECT_EQ(allocator_.cycle_report().parked, 50u);
  EXPECT_TRUE(cycle(2).empty());
  EXPECT_EQ(allocator_.cycle_report().agents_visited, 0u) << "parked agents are skipped";
  allocator_.add_framework("f2", {"*"});
  EXPECT_EQ(cycle(3).size(), 50u) << "a new framework wakes them";
}

TEST_F(DrfAllocatorTest, RemovedAgentsAndFrameworksGiveBackTheirShares) {
  allocator_.add_agent("a1", res("cpus:4;mem:4096"), {});
  allocator_.add_agent("a2", res("cpus:4;mem:4096"), {});
  allocator_.add_framework("f1", {"r"});
  ASSERT_EQ(cycle().size(), 2u);
  allocator_.remove_agent("a1");
  auto roles = allocator_.roles();
  auto r =
      std::find_if(roles.begin(), roles.end(), [](const RoleReport& x) { return x.role == "r"; });
  ASSERT_NE(r, roles.end());
  EXPECT_EQ(r->allocated, res("cpus:4;mem:4096"));
  EXPECT_DOUBLE_EQ(r->share, 1.0);
  EXPECT_EQ(r->frameworks, std::vector<std::string>{"f1"});
  allocator_.remove_framework("f1");
  EXPECT_EQ(allocator_.framework_count(), 1u) << "kept while it holds resources";
  EXPECT_TRUE(allocator_.recover("f1", "a2", "r", res("cpus:4;mem:4096"), 0, 0).is_ok());
  EXPECT_EQ(allocator_.framework_count(), 0u);
}

// Frameworks that want everything, with tasks ending at random: the shares of
// the dominant resource converge to the weights' proportions, even for a
// framework that arrives when the cluster is already full.
double converged_share(double weight_a, double weight_b) {
  DrfOptions options;
  DrfAllocator allocator(options);
  for (int i = 0; i < 100; ++i)
    allocator.add_agent("agent" + std::to_string(i), res("cpus:4;mem:8192"), {});
  allocator.set_weight("a", weight_a);
  allocator.set_weight("b", weight_b);
  allocator.add_framework("fa", {"a"});
  struct Task {
    std::string framework, agent, role;
    Resources resources;
  };
  std::vector<Task> running;
  std::mt19937 random(7);
  double share_a = 0;
  for (int round = 0; round < 400; ++round) {
    if (round == 5) allocator.add_framework("fb", {"b"});
    for (const Grant& grant : allocator.allocate(round * 1000)) {
      running.push_back({allocator.framework_id(grant), allocator.agent_id(grant),
                         allocator.role_name(grant), allocator.resources(grant.resources)});
    }
    if (round >= 300) {
      double cpus = 0;
      for (const Task& task : running) {
        if (task.framework == "fa") cpus += task.resources.scalar("cpus");
      }
      share_a += cpus / 400.0 / 100.0;
    }
    std::vector<Task> still;
    for (const Task& task : running) {
      if (random() % 10 == 0) {
        EXPECT_TRUE(
            allocator
                .recover(task.framework, task.agent, task.role, task.resources, 0, round * 1000)
                .is_ok());
      } else {
        still.push_back(task);
      }
    }
    running = std::move(still);
  }
  return share_a;  // averaged over the last 100 rounds
}

TEST(DrfFairness, EqualWeightsConvergeToHalfEach) {
  EXPECT_NEAR(converged_share(1, 1), 0.5, 0.05);
}

TEST(DrfFairness, WeightsThreeToOneConvergeToThreeQuarters) {
  EXPECT_NEAR(converged_share(3, 1), 0.75, 0.05);
}

}  // namespace
}  // namespace clusterctl::drf
