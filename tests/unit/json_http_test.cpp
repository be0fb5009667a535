// JSON output of msgpack values and the HTTP request parser.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "core/http/http.hpp"
#include "core/json.hpp"

namespace clusterctl {
namespace {

template <typename T>
std::string json_of(const T& value, bool pretty = false) {
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, value);
  msgpack::object_handle handle = msgpack::unpack(buffer.data(), buffer.size());
  return to_json(handle.get(), pretty);
}

TEST(Json, ScalarsAndContainers) {
  EXPECT_EQ(json_of(std::map<std::string, double>{{"cpus", 0.1}, {"mem", 1024}}),
            "{\"cpus\":0.1,\"mem\":1024}");
  EXPECT_EQ(json_of(std::vector<int>{1, -2}), "[1,-2]");
  EXPECT_EQ(json_of(std::vector<int>{}), "[]");
  EXPECT_EQ(json_of(std::map<int, bool>{{3, true}}), "{\"3\":true}");
  EXPECT_EQ(json_of(msgpack::type::nil_t()), "null");
}

TEST(Json, EscapesStrings) {
  EXPECT_EQ(json_quote("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\u0001\"");
}

TEST(Json, KeepsUtf8AndReplacesBytesThatAreNot) {
  EXPECT_EQ(json_quote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82\"");
  // A lone continuation byte, a truncated sequence, an overlong '/', a
  // surrogate, a byte never in UTF-8: one U+FFFD per bad byte.
  EXPECT_EQ(json_quote("a\x80"
                       "b"),
            "\"a\\ufffdb\"");
  EXPECT_EQ(json_quote("\xe2\x82"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(json_quote("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(json_quote("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
  EXPECT_EQ(json_quote("\xff"), "\"\\ufffd\"");
}

TEST(Json, PrettyPrintsWithTwoSpaces) {
  EXPECT_EQ(json_of(std::map<std::string, std::vector<int>>{{"a", {1}}}, true),
            "{\n  \"a\": [\n    1\n  ]\n}");
}

TEST(Http, ParsesRequestLineQueryAndHeaders) {
  auto request = parse_http_head(
      "GET /files/read?path=%2Ftmp%2Fx&offset=10 HTTP/1.1\r\nHost: a\r\nX-Thing:  v \r\n\r\n");
  ASSERT_TRUE(request.is_ok()) << request.status().message();
  EXPECT_EQ(request->method, "GET");
  EXPECT_EQ(request->path, "/files/read");
  EXPECT_EQ(request->query.at("path"), "/tmp/x");
  EXPECT_EQ(request->query.at("offset"), "10");
  EXPECT_EQ(request->headers.at("x-thing"), "v");
}

TEST(Http, RejectsMalformedRequests) {
  EXPECT_FALSE(parse_http_head("GARBAGE\r\n\r\n").is_ok());
  EXPECT_FALSE(parse_http_head("GET state HTTP/1.1\r\n\r\n").is_ok());
  EXPECT_FALSE(parse_http_head("GET /a?x=%zz HTTP/1.1\r\n\r\n").is_ok());
  EXPECT_FALSE(parse_http_head("GET /a SPDY/3\r\n\r\n").is_ok());
  // A header whose name is only blanks (found by fuzz_http_head).
  EXPECT_FALSE(parse_http_head("GET /a HTTP/1.1\r\n  : x\r\n\r\n").is_ok());
}

TEST(Http, FormatsResponses) {
  HttpResponse response = http_error(404, "no such \"thing\"");
  std::string text = format_http_response(response);
  EXPECT_EQ(text.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u);
  EXPECT_NE(text.find("Content-Length: " + std::to_string(response.body.size())),
            std::string::npos);
  EXPECT_NE(text.find("{\"error\": \"no such \\\"thing\\\"\"}"), std::string::npos);
}

}  // namespace
}  // namespace clusterctl
