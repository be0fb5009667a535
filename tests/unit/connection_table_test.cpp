// ConnectionTable: caps per peer and in total, the largest unfinished frame
// closed first when all of them pass their cap, idle connections shed oldest
// first.
#include "core/rpc/connection_table.hpp"

#include <gtest/gtest.h>

namespace clusterctl {
namespace {

ConnectionLimits limits(size_t total, size_t per_peer, size_t unfinished) {
  return ConnectionLimits{total, per_peer, unfinished};
}

TEST(ConnectionTable, RefusesPastThePerPeerCap) {
  ConnectionTable table(limits(100, 2, 1000));
  table.add("10.0.0.1", nullptr);
  EXPECT_TRUE(table.admit("10.0.0.1").is_ok());
  uint64_t second = table.add("10.0.0.1", nullptr);
  Status refused = table.admit("10.0.0.1");
  EXPECT_EQ(refused.kind(), ErrorKind::kUnavailable);
  EXPECT_NE(refused.message().find("10.0.0.1 has its maximum of 2"), std::string::npos)
      << refused.message();
  EXPECT_TRUE(table.admit("10.0.0.2").is_ok());  // another peer is not affected
  table.remove(second);
  EXPECT_TRUE(table.admit("10.0.0.1").is_ok());
}

TEST(ConnectionTable, RefusesPastTheTotalCap) {
  ConnectionTable table(limits(2, 10, 1000));
  table.add("a", nullptr);
  table.add("b", nullptr);
  Status refused = table.admit("c");
  EXPECT_NE(refused.message().find("maximum of 2 connections"), std::string::npos);
  EXPECT_EQ(table.size(), 2u);
}

TEST(ConnectionTable, ClosesTheLargestUnfinishedFrameFirst) {
  ConnectionTable table(limits(100, 100, 1000));
  uint64_t small = table.add("a", nullptr);
  uint64_t large = table.add("a", nullptr);
  uint64_t growing = table.add("a", nullptr);
  EXPECT_TRUE(table.set_unfinished(small, 100).empty());
  EXPECT_TRUE(table.set_unfinished(large, 700).empty());
  EXPECT_EQ(table.unfinished_bytes(), 800u);
  // 100 + 700 + 300 > 1000: the 700 goes, though the 300 pushed it over.
  EXPECT_EQ(table.set_unfinished(growing, 300), std::vector<uint64_t>{large});
  table.remove(large);
  EXPECT_EQ(table.unfinished_bytes(), 400u);
  // One connection alone over the cap is its own victim.
  EXPECT_EQ(table.set_unfinished(growing, 2000), std::vector<uint64_t>{growing});
  EXPECT_EQ(table.take_peak(growing), 2000u);
}

TEST(ConnectionTable, ShedsIdleConnectionsOldestFirst) {
  ConnectionTable table(limits(100, 100, 1000));
  uint64_t first = table.add("a", nullptr);
  uint64_t second = table.add("a", nullptr);
  uint64_t third = table.add("a", nullptr);
  table.set_established(first);
  EXPECT_EQ(table.oldest_idle(1), std::vector<uint64_t>{second});
  EXPECT_EQ(table.oldest_idle(5), (std::vector<uint64_t>{second, third}));
}

TEST(ConnectionTable, CloseRunsTheCloserOnceAfterTakingItOut) {
  ConnectionTable table(limits(100, 100, 1000));
  std::vector<std::string> reasons;
  uint64_t key = 0;
  key = table.add("a", [&](const std::string& reason) {
    reasons.push_back(reason);
    EXPECT_EQ(table.size(), 0u);
    table.remove(key);  // what a closing connection does: harmless
  });
  table.close(key, "shed");
  table.close(key, "again");
  EXPECT_EQ(reasons, std::vector<std::string>{"shed"});
  EXPECT_EQ(table.count_of("a"), 0u);
  table.add("b", [&](const std::string& reason) { reasons.push_back(reason); });
  table.add("c", [&](const std::string& reason) { reasons.push_back(reason); });
  table.close_all("stopping");
  EXPECT_EQ(reasons.size(), 3u);
  EXPECT_EQ(table.size(), 0u);
}

}  // namespace
}  // namespace clusterctl
