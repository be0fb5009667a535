// The master's allocation metrics and offer deadlines.
#include "daemons/master/allocation_metrics.hpp"

#include <gtest/gtest.h>

#include "daemons/master/offer_deadlines.hpp"

namespace clusterctl {
namespace {

TEST(AllocationMetrics, CountsRunsOffersAndTheNinetyNinthPercentile) {
  AllocationMetrics metrics;
  for (int i = 1; i <= 100; ++i) metrics.record_run(i, 2);
  metrics.record_declined(3);
  metrics.record_rescinded(1);
  AllocationMetricsView view = metrics.view();
  EXPECT_EQ(view.allocation_runs, 100u);
  EXPECT_EQ(view.last_cycle_millis, 100);
  EXPECT_EQ(view.p99_cycle_millis, 99);
  EXPECT_EQ(view.offers_made, 200u);
  EXPECT_EQ(view.offers_declined, 3u);
  EXPECT_EQ(view.offers_rescinded, 1u);
}

TEST(AllocationMetrics, ThePercentileIsOverTheRecentRuns) {
  AllocationMetrics metrics;
  for (int i = 0; i < 2100; ++i) metrics.record_run(i < 1000 ? 500 : 1, 0);
  EXPECT_EQ(metrics.view().p99_cycle_millis, 1) << "the slow early runs have left the window";
}

TEST(OfferDeadlines, HandsOutExpiredOffersInOrder) {
  OfferDeadlines deadlines;
  EXPECT_FALSE(deadlines.next_deadline());
  deadlines.add("o1", 100);
  deadlines.add("o2", 100);
  deadlines.add("o3", 250);
  EXPECT_EQ(*deadlines.next_deadline(), 100);
  EXPECT_TRUE(deadlines.take_expired(99).empty());
  EXPECT_EQ(deadlines.take_expired(100), (std::vector<std::string>{"o1", "o2"}));
  EXPECT_EQ(*deadlines.next_deadline(), 250);
  EXPECT_EQ(deadlines.take_expired(1000), (std::vector<std::string>{"o3"}));
  EXPECT_FALSE(deadlines.next_deadline());
}

}  // namespace
}  // namespace clusterctl
