// The pure parts of following the leading master: the jittered backoff
// (core/backoff.hpp) and the order in which a client tries masters
// (core/zk/master_candidates.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/backoff.hpp"
#include "core/zk/master_candidates.hpp"

namespace clusterctl {
namespace {

TEST(Backoff, JitteredStaysWithinHalfAndWhole) {
  for (uint64_t random : {uint64_t{0}, uint64_t{1}, uint64_t{499}, uint64_t{500}, uint64_t{501},
                          uint64_t{123456789}, ~uint64_t{0}}) {
    Duration wait = jittered(Duration(1000), random);
    EXPECT_GE(wait, Duration(500)) << random;
    EXPECT_LE(wait, Duration(1000)) << random;
  }
  EXPECT_EQ(jittered(Duration(1000), 0), Duration(500));     // the lower bound is reached
  EXPECT_EQ(jittered(Duration(1000), 500), Duration(1000));  // and the upper one
  EXPECT_EQ(jittered(Duration(1), 7), Duration(1));          // [0, 1]
  EXPECT_EQ(jittered(Duration(0), 7), Duration(0));
  EXPECT_EQ(spread(Duration(0), 7), Duration(0));
  EXPECT_EQ(spread(Duration(1000), 1000), Duration(1000));
  EXPECT_EQ(spread(Duration(1000), 1001), Duration(0));
}

TEST(Backoff, DoublesUpToTheMaximumAndResets) {
  Backoff backoff(Duration(100), Duration(1000), 42);
  const int64_t bounds[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (int64_t bound : bounds) {
    EXPECT_EQ(backoff.current(), Duration(bound));
    Duration wait = backoff.next();
    EXPECT_GE(wait.count(), bound / 2);
    EXPECT_LE(wait.count(), bound);
  }
  backoff.reset();
  EXPECT_EQ(backoff.current(), Duration(100));
  Duration wait = backoff.next();
  EXPECT_GE(wait, Duration(50));
  EXPECT_LE(wait, Duration(100));
}

TEST(Backoff, AMaximumBelowTheInitialIsTheInitial) {
  Backoff backoff(Duration(500), Duration(10));
  EXPECT_EQ(backoff.current(), Duration(500));
  (void)backoff.next();
  EXPECT_EQ(backoff.current(), Duration(500));
}

// Thousands of agents lose their master at once: their first waits must not
// fall on a few milliseconds.
TEST(Backoff, ManyClientsSpreadTheirRetries) {
  std::set<int64_t> waits;
  std::map<int64_t, int> per_ms;
  for (int agent = 0; agent < 5000; ++agent) {
    Backoff backoff(Duration(1000), Duration(30000));  // seeded from std::random_device
    Duration wait = backoff.next();
    ASSERT_GE(wait, Duration(500));
    ASSERT_LE(wait, Duration(1000));
    waits.insert(wait.count());
    ++per_ms[wait.count()];
  }
  // 501 possible values, 5000 draws: nearly all appear, none holds many.
  EXPECT_GT(waits.size(), 450u);
  for (const auto& [ms, count] : per_ms) EXPECT_LT(count, 40) << ms;
}

TEST(Backoff, SpreadStaysWithinZeroAndMost) {
  Backoff backoff(Duration(100), Duration(1000), 7);
  std::set<int64_t> tenths;
  Duration least(1000), most(0);
  for (int i = 0; i < 2000; ++i) {
    Duration wait = backoff.spread(Duration(1000));
    ASSERT_GE(wait, Duration(0));
    ASSERT_LE(wait, Duration(1000));
    tenths.insert(std::min<int64_t>(wait.count() / 100, 9));
    least = std::min(least, wait);
    most = std::max(most, wait);
  }
  EXPECT_EQ(tenths.size(), 10u);  // every tenth of the range is drawn
  EXPECT_LT(least, Duration(20));
  EXPECT_GT(most, Duration(980));
}

TEST(MasterCandidates, APlainListGoesRoundRobin) {
  auto candidates = MasterCandidates::from_list({"a:1", "b:2", "c:3"});
  EXPECT_FALSE(candidates.zookeeper());
  EXPECT_EQ(candidates.next(), "a:1");
  EXPECT_EQ(candidates.next(), "b:2");
  EXPECT_EQ(candidates.next(), "c:3");
  EXPECT_EQ(candidates.next(), "a:1");
}

TEST(MasterCandidates, TheLeaderAStandbyNamesComesNextOnce) {
  auto candidates = MasterCandidates::from_list({"a:1", "b:2", "c:3"});
  EXPECT_EQ(candidates.next(), "a:1");
  EXPECT_TRUE(candidates.follow("c:3"));
  EXPECT_EQ(candidates.next(), "c:3");
  // Then the list goes on where it was.
  EXPECT_EQ(candidates.next(), "b:2");
}

TEST(MasterCandidates, NotLeaderWithoutALeaderIsNotFollowed) {
  auto candidates = MasterCandidates::from_list({"a:1", "b:2"});
  EXPECT_EQ(candidates.next(), "a:1");
  EXPECT_FALSE(candidates.follow(""));
  EXPECT_EQ(candidates.next(), "b:2");
  EXPECT_EQ(candidates.hops(), 0);
}

TEST(MasterCandidates, HopsAreBoundedAndStartOverAfterARefusal) {
  auto candidates = MasterCandidates::from_list({"a:1"});
  for (int hop = 1; hop <= kMaxLeaderHops; ++hop) {
    EXPECT_TRUE(candidates.follow(hop % 2 ? "b:2" : "c:3")) << hop;
    EXPECT_EQ(candidates.hops(), hop);
    EXPECT_EQ(candidates.next(), hop % 2 ? "b:2" : "c:3");
  }
  // Standbys naming each other: the caller must back off.
  EXPECT_FALSE(candidates.follow("b:2"));
  EXPECT_EQ(candidates.next(), "a:1");
  // After that backoff it may follow again.
  EXPECT_TRUE(candidates.follow("b:2"));
  EXPECT_EQ(candidates.next(), "b:2");
}

TEST(MasterCandidates, ReachingTheLeaderResetsTheHops) {
  auto candidates = MasterCandidates::from_list({"a:1"});
  EXPECT_TRUE(candidates.follow("b:2"));
  EXPECT_TRUE(candidates.follow("c:3"));
  candidates.reached();
  for (int hop = 0; hop < kMaxLeaderHops; ++hop) EXPECT_TRUE(candidates.follow("b:2"));
}

TEST(MasterCandidates, ZooKeeperModeWaitsForALeader) {
  auto candidates = MasterCandidates::from_zookeeper();
  EXPECT_TRUE(candidates.zookeeper());
  EXPECT_EQ(candidates.next(), std::nullopt);
  candidates.set_leader("m1:5050");
  EXPECT_EQ(candidates.next(), "m1:5050");
  EXPECT_EQ(candidates.next(), "m1:5050");  // the leader, every time
  candidates.set_leader(std::nullopt);
  EXPECT_EQ(candidates.next(), std::nullopt);
}

TEST(MasterCandidates, AStandbysHintComesBeforeZooKeepersLeaderButNotAfterANewOne) {
  auto candidates = MasterCandidates::from_zookeeper();
  candidates.set_leader("m1:5050");
  // m1 already stands by and names m2 (ZooKeeper has not told us yet).
  EXPECT_TRUE(candidates.follow("m2:5050"));
  EXPECT_EQ(candidates.next(), "m2:5050");
  EXPECT_EQ(candidates.next(), "m1:5050");
  // A hint is dropped when ZooKeeper names a leader: its word is newer.
  EXPECT_TRUE(candidates.follow("m2:5050"));
  candidates.set_leader("m3:5050");
  EXPECT_EQ(candidates.next(), "m3:5050");
  EXPECT_EQ(candidates.hops(), 0);
  // Without a leader from ZooKeeper, a hint is still tried.
  candidates.set_leader(std::nullopt);
  EXPECT_TRUE(candidates.follow("m4:5050"));
  EXPECT_EQ(candidates.next(), "m4:5050");
  EXPECT_EQ(candidates.next(), std::nullopt);
}

}  // namespace
}  // namespace clusterctl
