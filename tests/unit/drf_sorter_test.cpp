// The DRF sorter: fair order by weighted dominant share over nested roles,
// kept up to date as allocations change.
#include "plugins/allocators/drf/drf_sorter.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace clusterctl::drf {
namespace {

constexpr NameId kCpus = 0;
constexpr NameId kMem = 1;

Quantities make(int64_t cpus, int64_t mem) {
  Quantities quantities;
  quantities.set(kCpus, cpus);
  quantities.set(kMem, mem);
  return quantities;
}

class DrfSorterTest : public ::testing::Test {
 protected:
  void SetUp() override { sorter_.set_total(make(100, 1000)); }

  ClientId active_client(const std::string& role) {
    ClientId client = sorter_.add_client(sorter_.add_role(role));
    sorter_.activate(client);
    return client;
  }

  // Every client in fair order.
  std::vector<ClientId> order(RoleId start = DrfSorter::kTop) {
    std::vector<ClientId> visited;
    sorter_.walk(
        start, [](RoleId) { return true; },
        [&](ClientId client) {
          visited.push_back(client);
          return false;
        });
    return visited;
  }

  DrfSorter sorter_;
};

TEST_F(DrfSorterTest, RolesFormATreeByTheirNames) {
  RoleId training = sorter_.add_role("eng/ml/training");
  RoleId eng = *sorter_.find_role("eng");
  RoleId ml = *sorter_.find_role("eng/ml");
  EXPECT_EQ(sorter_.parent(training), ml);
  EXPECT_EQ(sorter_.parent(ml), eng);
  EXPECT_EQ(sorter_.parent(eng), DrfSorter::kTop);
  EXPECT_TRUE(sorter_.includes(eng, training));
  EXPECT_TRUE(sorter_.includes(training, training));
  EXPECT_FALSE(sorter_.includes(training, eng));
  EXPECT_FALSE(sorter_.includes(sorter_.add_role("engineering"), training));
  EXPECT_EQ(sorter_.add_role("eng/ml"), ml);
}

TEST_F(DrfSorterTest, TheClientWithTheSmallestDominantShareComesFirst) {
  ClientId a = active_client("r");
  ClientId b = active_client("r");
  sorter_.allocate(a, make(10, 0));   // share 0.1 (cpus)
  sorter_.allocate(b, make(1, 200));  // share 0.2 (mem dominates)
  EXPECT_EQ(order(), (std::vector<ClientId>{a, b}));
  sorter_.allocate(a, make(20, 0));  // 0.3
  EXPECT_EQ(order(), (std::vector<ClientId>{b, a}));
  sorter_.unallocate(a, make(30, 0));
  EXPECT_EQ(order(), (std::vector<ClientId>{a, b}));
  EXPECT_DOUBLE_EQ(sorter_.share(a), 0);
}

TEST_F(DrfSorterTest, WeightsDivideRoleShares) {
  ClientId analytics = active_client("analytics");
  ClientId batch = active_client("batch");
  sorter_.allocate(analytics, make(30, 0));
  sorter_.allocate(batch, make(20, 0));
  EXPECT_EQ(order(), (std::vector<ClientId>{batch, analytics}));
  sorter_.set_weight(*sorter_.find_role("analytics"), 3);  // 0.3 / 3 = 0.1 < 0.2
  EXPECT_EQ(order(), (std::vector<ClientId>{analytics, batch}));
  EXPECT_DOUBLE_EQ(sorter_.role_share(*sorter_.find_role("analytics")), 0.1);
}

TEST_F(DrfSorterTest, NestedRolesAreOrderedBySubtreeThenWithin) {
  ClientId ml = active_client("eng/ml");
  ClientId web = active_client("eng/web");
  ClientId ops = active_client("ops");
  sorter_.allocate(ml, make(10, 0));
  sorter_.allocate(web, make(5, 0));
  sorter_.allocate(ops, make(20, 0));
  // eng holds 15 < ops's 20: eng's subtree first, web (5) before ml (10).
  EXPECT_EQ(order(), (std::vector<ClientId>{web, ml, ops}));
  sorter_.allocate(web, make(10, 0));  // eng now 25 > 20
  EXPECT_EQ(order(), (std::vector<ClientId>{ops, ml, web}));
  EXPECT_EQ(order(*sorter_.find_role("eng")), (std::vector<ClientId>{ml, web}));
  EXPECT_EQ(sorter_.role_allocated(*sorter_.find_role("eng")), make(25, 0));
}

TEST_F(DrfSorterTest, ClientsOfARoleCompeteWithItsChildren) {
  ClientId own = active_client("eng");
  ClientId child = active_client("eng/ml");
  sorter_.allocate(own, make(10, 0));
  EXPECT_EQ(order(), (std::vector<ClientId>{child, own}));
  sorter_.allocate(child, make(20, 0));
  EXPECT_EQ(order(), (std::vector<ClientId>{own, child}));
}

TEST_F(DrfSorterTest, InactiveClientsAndSkippedRolesAreNotVisited) {
  ClientId a = active_client("a");
  ClientId b = active_client("b");
  sorter_.deactivate(a);
  EXPECT_EQ(order(), (std::vector<ClientId>{b}));
  EXPECT_EQ(sorter_.active_clients(DrfSorter::kTop), 1u);
  sorter_.activate(a);
  RoleId role_b = *sorter_.find_role("b");
  std::vector<ClientId> visited;
  sorter_.walk(
      DrfSorter::kTop, [&](RoleId role) { return role != role_b; },
      [&](ClientId client) {
        visited.push_back(client);
        return false;
      });
  EXPECT_EQ(visited, (std::vector<ClientId>{a}));
}

TEST_F(DrfSorterTest, AWalkStopsAtTheFirstClientThatTakes) {
  ClientId a = active_client("r");
  ClientId b = active_client("r");
  sorter_.allocate(a, make(1, 0));
  std::vector<ClientId> visited;
  bool taken = sorter_.walk(
      DrfSorter::kTop, [](RoleId) { return true; },
      [&](ClientId client) {
        visited.push_back(client);
        return true;
      });
  EXPECT_TRUE(taken);
  EXPECT_EQ(visited, (std::vector<ClientId>{b}));
}

TEST_F(DrfSorterTest, NewTotalsChangeWhichResourceDominates) {
  ClientId cpu_heavy = active_client("r");
  ClientId mem_heavy = active_client("r");
  sorter_.allocate(cpu_heavy, make(30, 0));   // 0.3
  sorter_.allocate(mem_heavy, make(0, 200));  // 0.2
  EXPECT_EQ(order(), (std::vector<ClientId>{mem_heavy, cpu_heavy}));
  sorter_.set_total(make(300, 500));  // cpu 0.1, mem 0.4
  EXPECT_EQ(order(), (std::vector<ClientId>{cpu_heavy, mem_heavy}));
}

TEST_F(DrfSorterTest, RemovedClientsGiveBackWhatTheyHeld) {
  ClientId a = active_client("eng/ml");
  sorter_.allocate(a, make(10, 100));
  sorter_.remove_client(a);
  EXPECT_TRUE(sorter_.role_allocated(*sorter_.find_role("eng")).empty());
  EXPECT_TRUE(order().empty());
}

}  // namespace
}  // namespace clusterctl::drf
