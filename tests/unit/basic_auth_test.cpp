#include "core/http/basic_auth.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace clusterctl {
namespace {

CredentialStore store() {
  return *CredentialStore::from({{"alice", "s3cret"}, {"bob", "pa:ss"}});
}

HttpRequest with_authorization(const std::string& value) {
  HttpRequest request;
  request.method = "GET";
  request.path = "/state";
  request.headers["authorization"] = value;
  return request;
}

TEST(BasicAuth, Base64RoundTrips) {
  for (const std::string& text : std::vector<std::string>{
           "", "a", "ab", "abc", "abcd", "alice:s3cret", std::string("\0\xff", 2)}) {
    auto decoded = base64_decode(base64_encode(text));
    ASSERT_TRUE(decoded.is_ok()) << text;
    EXPECT_EQ(*decoded, text);
  }
  EXPECT_EQ(base64_encode("alice:s3cret"), "YWxpY2U6czNjcmV0");
  EXPECT_FALSE(base64_decode("YW*x").is_ok());
  EXPECT_FALSE(base64_decode("Y").is_ok());
  EXPECT_FALSE(base64_decode("YQ===").is_ok());
}

TEST(BasicAuth, RightCredentialsGiveThePrincipal) {
  auto alice =
      http_basic_principal(with_authorization("Basic " + base64_encode("alice:s3cret")), store());
  ASSERT_TRUE(alice.is_ok()) << alice.status().message();
  EXPECT_EQ(*alice, "alice");
  // The secret may hold a colon; the scheme is case-insensitive.
  auto bob =
      http_basic_principal(with_authorization("basic " + base64_encode("bob:pa:ss")), store());
  ASSERT_TRUE(bob.is_ok()) << bob.status().message();
  EXPECT_EQ(*bob, "bob");
}

TEST(BasicAuth, EverythingElseIsUnauthenticated) {
  HttpRequest none;
  auto missing = http_basic_principal(none, store());
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().kind(), ErrorKind::kUnauthenticated);
  EXPECT_NE(missing.status().message().find("needs HTTP Basic authentication"), std::string::npos);
  for (std::string value :
       {"Basic " + base64_encode("alice:wrong"), "Basic " + base64_encode("alice:s3cretX"),
        "Basic " + base64_encode("alice:"), "Basic " + base64_encode("carol:s3cret")}) {
    auto refused = http_basic_principal(with_authorization(value), store());
    ASSERT_FALSE(refused.is_ok()) << value;
    EXPECT_EQ(refused.status().message(), "wrong principal or secret") << value;
  }
  for (const std::string& value : std::vector<std::string>{"Bearer abc", "Basic", "Basic !!!!",
                                                           "Basic " + base64_encode("alice")}) {
    auto refused = http_basic_principal(with_authorization(value), store());
    ASSERT_FALSE(refused.is_ok()) << value;
    EXPECT_EQ(refused.status().kind(), ErrorKind::kUnauthenticated) << value;
  }
}

TEST(BasicAuth, UnauthorizedAnswerChallenges) {
  HttpResponse response = http_unauthorized("wrong principal or secret");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.headers.at("WWW-Authenticate"), "Basic realm=\"clusterctl\"");
  std::string text = format_http_response(response);
  EXPECT_EQ(text.rfind("HTTP/1.1 401 Unauthorized\r\n", 0), 0u) << text;
  EXPECT_NE(text.find("wrong principal or secret"), std::string::npos);
}

}  // namespace
}  // namespace clusterctl
