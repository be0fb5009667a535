// The small HTTP/1.1 subset that shares each daemon's RPC port: requests are
// parsed from their head (request line and headers), answered once, and the
// connection is closed. Pure functions and plain values; thread-safe.
#pragma once

#include <map>
#include <string>

#include "core/status.hpp"

namespace clusterctl {

struct HttpRequest {
  std::string method;                          // "GET"
  std::string path;                            // "/state" (decoded, without the query)
  std::map<std::string, std::string> query;    // decoded ?a=b&c=d
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // as many bytes as Content-Length said
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;  // extra headers
};

// Largest request head and body the daemons accept.
constexpr size_t kMaxHttpHeadBytes = 16 * 1024;
constexpr size_t kMaxHttpBodyBytes = 1024 * 1024;

// Parses "GET /state?x=1 HTTP/1.1\r\nHost: a\r\n\r\n" (the head, up to and
// including the blank line). Errors say what is malformed.
StatusOr<HttpRequest> parse_http_head(const std::string& head);

// Decodes %XX escapes (and '+' as space when `plus_is_space`). Bad escapes are
// an error.
StatusOr<std::string> url_decode(const std::string& text, bool plus_is_space);

// The whole response with status line, Content-Type, Content-Length and
// "Connection: close".
// The request's path and query, encoded again so that only safe characters
// remain (for a Location header: no CR or LF can reach the response).
std::string http_target(const HttpRequest& request);

std::string format_http_response(const HttpResponse& response);

// "OK", "Not Found", ...
const char* http_reason(int status);

// A JSON error body: {"error": "message"}.
HttpResponse http_error(int status, const std::string& message);

// The content type clients ask for with "Accept" to get msgpack, not JSON.
inline constexpr const char* kMsgpackContentType = "application/x-msgpack";

// An answer holding one packed msgpack value: as pretty JSON, or as the
// msgpack bytes themselves when the request accepts kMsgpackContentType.
HttpResponse http_payload(const HttpRequest& request, const std::string& packed);

}  // namespace clusterctl
