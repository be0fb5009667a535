// zk:// addresses and master addresses: what is accepted, and the exact
// message a user sees for what is not.
#include "core/zk/zk_address.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace clusterctl {
namespace {

TEST(ZkAddressTest, ParsesServersPathAndCredentials) {
  auto plain = parse_zk_address("zk://127.0.0.1:2181/clusterctl");
  ASSERT_TRUE(plain.is_ok()) << plain.status().to_string();
  EXPECT_EQ(plain->servers, "127.0.0.1:2181");
  EXPECT_EQ(plain->path, "/clusterctl");
  EXPECT_EQ(plain->user, "");
  EXPECT_EQ(plain->password, "");

  auto full = parse_zk_address(
      "zk://alice:s3cr:t@zk1.example.com:2181,zk-2:2182,10.0.0.3:65535/a/b_c/d.e-f");
  ASSERT_TRUE(full.is_ok()) << full.status().to_string();
  EXPECT_EQ(full->servers, "zk1.example.com:2181,zk-2:2182,10.0.0.3:65535");
  EXPECT_EQ(full->path, "/a/b_c/d.e-f");
  EXPECT_EQ(full->user, "alice");
  EXPECT_EQ(full->password, "s3cr:t");

  auto at_in_password = parse_zk_address("zk://bob:p@ss@h:1/x");
  ASSERT_TRUE(at_in_password.is_ok()) << at_in_password.status().to_string();
  EXPECT_EQ(at_in_password->user, "bob");
  EXPECT_EQ(at_in_password->password, "p@ss");
  EXPECT_EQ(at_in_password->servers, "h:1");
}

TEST(ZkAddressTest, ToStringShowsTheUserButNeverThePassword) {
  auto address = parse_zk_address("zk://alice:secret@h1:2181,h2:2181/clusterctl");
  ASSERT_TRUE(address.is_ok());
  EXPECT_EQ(address->to_string(), "zk://alice@h1:2181,h2:2181/clusterctl");
  auto plain = parse_zk_address("zk://h1:2181/x/y");
  ASSERT_TRUE(plain.is_ok());
  EXPECT_EQ(plain->to_string(), "zk://h1:2181/x/y");
}

TEST(ZkAddressTest, IsZkAddressLooksAtTheScheme) {
  EXPECT_TRUE(is_zk_address("zk://h:1/x"));
  EXPECT_TRUE(is_zk_address("zk://"));
  EXPECT_FALSE(is_zk_address("h:1"));
  EXPECT_FALSE(is_zk_address("ZK://h:1/x"));
  EXPECT_FALSE(is_zk_address("zk:/h:1/x"));
  EXPECT_FALSE(is_zk_address(""));
}

TEST(ZkAddressTest, RejectsBadAddressesSayingWhatIsWrong) {
  std::vector<std::pair<std::string, std::string>> cases = {
      {"zk://127.0.0.1/x", "zk://127.0.0.1/x: missing port in '127.0.0.1'"},
      {"zk://h:2181", "zk://h:2181: missing path (expected zk://host:port/path)"},
      {"zk://h:2181/", "zk://h:2181/: the path must name a znode below '/' (e.g. /clusterctl)"},
      {"zk://:2181/x", "zk://:2181/x: missing host in ':2181'"},
      {"zk:///x", "zk:///x: missing host:port before the path"},
      {"zk://h:/x", "zk://h:/x: invalid port '' in 'h:' (expected 1-65535)"},
      {"zk://h:0/x", "zk://h:0/x: invalid port '0' in 'h:0' (expected 1-65535)"},
      {"zk://h:65536/x", "zk://h:65536/x: invalid port '65536' in 'h:65536' (expected 1-65535)"},
      {"zk://h:21a/x", "zk://h:21a/x: invalid port '21a' in 'h:21a' (expected 1-65535)"},
      {"zk://h:-1/x", "zk://h:-1/x: invalid port '-1' in 'h:-1' (expected 1-65535)"},
      {"zk://h:1,,g:2/x", "zk://h:1,,g:2/x: empty item in the server list 'h:1,,g:2'"},
      {"zk://h:1,/x", "zk://h:1,/x: empty item in the server list 'h:1,'"},
      {"zk://,h:1/x", "zk://,h:1/x: empty item in the server list ',h:1'"},
      {"zk://[::1]:2181/x",
       "zk://[::1]:2181/x: invalid host '[::1]' in '[::1]:2181' (expected a name or an IPv4 "
       "address)"},
      {"zk://h_1:2181/x",
       "zk://h_1:2181/x: invalid host 'h_1' in 'h_1:2181' (expected a name or an IPv4 address)"},
      {"zk://alice@h:1/x", "zk://alice@h:1/x: credentials before '@' must be user:password"},
      {"zk://:pw@h:1/x", "zk://:***@h:1/x: credentials before '@' must be user:password"},
      {"zk://alice:@h:1/x", "zk://alice:***@h:1/x: credentials before '@' must be user:password"},
      {"zk://h:1/a b", "zk://h:1/a b: whitespace or a control character at position 11"},
      {"zk://h:1/a\tb", "zk://h:1/a\tb: whitespace or a control character at position 11"},
      {" zk://h:1/a", " zk://h:1/a: whitespace or a control character at position 1"},
      {"zk://h:1/a\n", "zk://h:1/a\n: whitespace or a control character at position 11"},
      {"zk://h:1/a//b", "zk://h:1/a//b: empty part in path '/a//b'"},
      {"zk://h:1/a/", "zk://h:1/a/: path '/a/' ends with '/'"},
      {"zk://h:1/a/./b", "zk://h:1/a/./b: path '/a/./b' has a '.' part"},
      {"zk://h:1/a/..", "zk://h:1/a/..: path '/a/..' has a '..' part"},
      {"zk://h:1/a/b*c", "zk://h:1/a/b*c: path part 'b*c' has a character outside [A-Za-z0-9._-]"},
      {"zk://h:1/a?x=1",
       "zk://h:1/a?x=1: path part 'a?x=1' has a character outside [A-Za-z0-9._-]"},
      {"zk://h:1/zookeeper",
       "zk://h:1/zookeeper: path '/zookeeper' is inside ZooKeeper's reserved "
       "/zookeeper"},
      {"zk://h:1/zookeeper/quota",
       "zk://h:1/zookeeper/quota: path '/zookeeper/quota' is inside ZooKeeper's reserved "
       "/zookeeper"},
      {"h:1", "h:1: not a zk:// address"},
  };
  for (const auto& [text, message] : cases) {
    auto parsed = parse_zk_address(text);
    ASSERT_FALSE(parsed.is_ok()) << text;
    EXPECT_EQ(parsed.status().kind(), ErrorKind::kInvalidArgument) << text;
    EXPECT_EQ(parsed.status().message(), message) << text;
  }
}

TEST(ZkAddressTest, ThePasswordNeverAppearsInAnError) {
  auto parsed = parse_zk_address("zk://alice:hunter2@h:1/a//b");
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(parsed.status().message(), "zk://alice:***@h:1/a//b: empty part in path '/a//b'");
  auto bad_port = parse_zk_address("zk://alice:hunter2@h:99999/a");
  ASSERT_FALSE(bad_port.is_ok());
  EXPECT_EQ(bad_port.status().message().find("hunter2"), std::string::npos);
}

TEST(ZkAddressTest, NamesWithAllowedCharactersPass) {
  for (const char* text : {"zk://h:1/zookeeperish", "zk://h:1/a/zookeeper", "zk://h:1/...",
                           "zk://h:1/a..b", "zk://h:1/_-.", "zk://localhost:2181/c"}) {
    EXPECT_TRUE(parse_zk_address(text).is_ok())
        << text << ": " << parse_zk_address(text).status().to_string();
  }
}

TEST(ZkAddressTest, BoundsTheLength) {
  std::string path = "/" + std::string(1019 - 8, 'a');
  std::string longest = "zk://h:1" + path;
  ASSERT_EQ(longest.size(), 1020u);
  EXPECT_TRUE(parse_zk_address(longest).is_ok());
  std::string at_limit = longest + "bbbb";
  ASSERT_EQ(at_limit.size(), 1024u);
  EXPECT_TRUE(parse_zk_address(at_limit).is_ok());
  auto too_long = parse_zk_address(at_limit + "c");
  ASSERT_FALSE(too_long.is_ok());
  EXPECT_EQ(too_long.status().message(), "zk://h:1/" + std::string(51, 'a') +
                                             "...: the address is 1025 characters long (at "
                                             "most 1024)");
}

TEST(ZkAddressTest, MasterAddressesOfEveryForm) {
  for (const char* good : {"127.0.0.1:5050", "m1:5050,m2:5050", "host.example:1",
                           "zk://h:2181/clusterctl", "[::1]:5050"}) {
    Status status = check_master_address(good);
    EXPECT_TRUE(status.is_ok()) << good << ": " << status.to_string();
  }
  std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty master address (expected host:port or zk://)"},
      {"localhost", "master address 'localhost': missing port in 'localhost' (expected host:port)"},
      {"m1:5050,,m2:5050", "master address 'm1:5050,,m2:5050': empty list item"},
      {"m1:5050,", "master address 'm1:5050,': empty list item"},
      {"m1:0", "master address 'm1:0': invalid port '0' in 'm1:0' (expected 1-65535)"},
      {"m1:x", "master address 'm1:x': invalid port 'x' in 'm1:x' (expected 1-65535)"},
      {":5050", "master address ':5050': missing host in ':5050'"},
      {"m1:5050 ", "master address 'm1:5050 ': whitespace or a control character at position 8"},
      {"http://m1:5050",
       "master address 'http://m1:5050': unsupported scheme 'http://' (expected host:port or "
       "zk://)"},
      {"zk://m1/x", "zk://m1/x: missing port in 'm1'"},
  };
  for (const auto& [text, message] : cases) {
    Status status = check_master_address(text);
    ASSERT_FALSE(status.is_ok()) << text;
    EXPECT_EQ(status.kind(), ErrorKind::kInvalidArgument) << text;
    EXPECT_EQ(status.message(), message) << text;
  }
}

}  // namespace
}  // namespace clusterctl
