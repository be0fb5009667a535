// The pure parts of the leader election: master records in election znodes
// and which member leads or watches which.
#include <gtest/gtest.h>

#include "core/http/http.hpp"
#include "core/zk/master_record.hpp"

namespace clusterctl {
namespace {

TEST(MasterRecordTest, RoundTripsThroughJson) {
  MasterRecord record{"127.0.0.1:5050", "0.1.0", "vm \"one\"", 4242, 1765000000.25};
  std::string json = master_record_json(record);
  EXPECT_NE(json.find("\"address\":\"127.0.0.1:5050\""), std::string::npos) << json;
  auto parsed = parse_master_record(json);
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
  EXPECT_EQ(parsed->address, record.address);
  EXPECT_EQ(parsed->version, record.version);
  EXPECT_EQ(parsed->hostname, record.hostname);
  EXPECT_EQ(parsed->pid, 4242);
  EXPECT_DOUBLE_EQ(parsed->started, record.started);
}

TEST(MasterRecordTest, ReadsRecordsOfOtherToolsAndRefusesJunk) {
  auto other = parse_master_record(R"({"address":"10.0.0.1:5050","extra":{"a":[1,2]}})");
  ASSERT_TRUE(other.is_ok()) << other.status().message();
  EXPECT_EQ(other->address, "10.0.0.1:5050");
  EXPECT_EQ(other->version, "");

  auto not_json = parse_master_record("{\"address\":");
  ASSERT_FALSE(not_json.is_ok());
  EXPECT_NE(not_json.status().message().find("not JSON"), std::string::npos);

  auto no_port = parse_master_record(R"({"address":"10.0.0.1"})");
  ASSERT_FALSE(no_port.is_ok());
  EXPECT_NE(no_port.status().message().find("port"), std::string::npos)
      << no_port.status().message();

  auto no_address = parse_master_record("{}");
  EXPECT_FALSE(no_address.is_ok());

  std::string huge = "{\"address\":\"1.2.3.4:5\",\"x\":\"" + std::string(70 * 1024, 'a') + "\"}";
  auto too_big = parse_master_record(huge);
  ASSERT_FALSE(too_big.is_ok());
  EXPECT_NE(too_big.status().message().find("64 KB"), std::string::npos);
}

TEST(ElectionTest, OnlyWellFormedMembersCount) {
  EXPECT_EQ(election_sequence("member_0000000042"), 42);
  EXPECT_EQ(election_sequence("member_0000000000"), 0);
  EXPECT_FALSE(election_sequence("member_42").has_value());
  EXPECT_FALSE(election_sequence("member_00000000x2").has_value());
  EXPECT_FALSE(election_sequence("registry").has_value());
  EXPECT_FALSE(election_sequence("xmember_0000000042").has_value());
}

TEST(ElectionTest, TheLowestLeadsAndEachWatchesTheOneBefore) {
  std::vector<std::string> children = {"member_0000000010", "registry", "member_0000000002",
                                       "member_0000000007", "member_junk"};
  EXPECT_EQ(
      election_members(children),
      (std::vector<std::string>{"member_0000000002", "member_0000000007", "member_0000000010"}));
  EXPECT_FALSE(election_predecessor(children, "member_0000000002").has_value());  // leads
  EXPECT_EQ(election_predecessor(children, "member_0000000007"), "member_0000000002");
  EXPECT_EQ(election_predecessor(children, "member_0000000010"), "member_0000000007");
  EXPECT_FALSE(election_predecessor(children, "member_0000000099").has_value());  // gone
}

TEST(HttpTargetTest, RedirectTargetsCarryNoHeaderBreakingCharacters) {
  HttpRequest request;
  request.path = "/files/read\r\nSet-Cookie: x";
  request.query = {{"path", "/a b&c"}, {"offset", "0"}};
  std::string target = http_target(request);
  EXPECT_EQ(target.find('\r'), std::string::npos);
  EXPECT_EQ(target.find('\n'), std::string::npos);
  EXPECT_EQ(target, "/files/read%0D%0ASet-Cookie%3A%20x?offset=0&path=%2Fa%20b%26c");
}

}  // namespace
}  // namespace clusterctl
