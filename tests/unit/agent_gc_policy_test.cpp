// Which unreachable agents the master's registry GC forgets.
#include "daemons/master/agent_gc_policy.hpp"

#include <gtest/gtest.h>

namespace clusterctl {
namespace {

using Ids = std::vector<std::string>;
constexpr size_t kNoCount = 100000;

TEST(AgentGcPolicyTest, ForgetsOnlyAgentsOlderThanTheMaximumAge) {
  std::vector<UnreachableAgent> agents = {{"young", 990}, {"old", 100}, {"edge", 940}};
  // "edge" is exactly 60 s old: longer than, not as long as, the age forgets.
  EXPECT_EQ(agents_to_forget(agents, 1000, Duration(60000), kNoCount), Ids{"old"});
  EXPECT_EQ(agents_to_forget(agents, 1000, Duration(20000), kNoCount), (Ids{"old", "edge"}));
  EXPECT_EQ(agents_to_forget(agents, 1000, Duration(0), kNoCount), (Ids{"old", "edge", "young"}));
}

TEST(AgentGcPolicyTest, BeyondTheMaximumCountForgetsTheLongestUnreachableFirst) {
  std::vector<UnreachableAgent> agents = {{"c", 300}, {"a", 100}, {"d", 400}, {"b", 200}};
  EXPECT_EQ(agents_to_forget(agents, 500, Duration(3600000), 2), (Ids{"a", "b"}));
  EXPECT_EQ(agents_to_forget(agents, 500, Duration(3600000), 4), Ids{});
  EXPECT_EQ(agents_to_forget(agents, 500, Duration(3600000), 0), (Ids{"a", "b", "c", "d"}));
}

TEST(AgentGcPolicyTest, AgeAndCountTogether) {
  std::vector<UnreachableAgent> agents = {{"a", 100}, {"b", 200}, {"c", 490}, {"d", 495}};
  // Age forgets a and b; the count alone would forget only a.
  EXPECT_EQ(agents_to_forget(agents, 500, Duration(60000), 3), (Ids{"a", "b"}));
  // The count forgets c too, though it is young.
  EXPECT_EQ(agents_to_forget(agents, 500, Duration(60000), 1), (Ids{"a", "b", "c"}));
}

TEST(AgentGcPolicyTest, AgentsLostAtTheSameTimeAreForgottenInIdOrder) {
  std::vector<UnreachableAgent> agents = {{"z", 100}, {"m", 100}, {"a", 100}};
  EXPECT_EQ(agents_to_forget(agents, 200, Duration(3600000), 1), (Ids{"a", "m"}));
}

TEST(AgentGcPolicyTest, NothingUnreachableNothingForgotten) {
  EXPECT_TRUE(agents_to_forget({}, 1000, Duration(0), 0).empty());
}

}  // namespace
}  // namespace clusterctl
