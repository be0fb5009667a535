#include "core/http/http.hpp"

#include <cctype>

#include "core/json.hpp"

namespace clusterctl {

namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Status parse_query(const std::string& text, std::map<std::string, std::string>* query) {
  size_t start = 0;
  while (start < text.size()) {
    size_t amp = text.find('&', start);
    if (amp == std::string::npos) amp = text.size();
    std::string pair = text.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    size_t equals = pair.find('=');
    auto key = url_decode(pair.substr(0, equals), true);
    if (!key) return key.status();
    std::string raw_value = equals == std::string::npos ? "" : pair.substr(equals + 1);
    auto value = url_decode(raw_value, true);
    if (!value) return value.status();
    (*query)[*key] = *value;
  }
  return Status::ok();
}

Status parse_request_line(const std::string& line, HttpRequest* request) {
  size_t first = line.find(' ');
  size_t second = first == std::string::npos ? first : line.find(' ', first + 1);
  if (second == std::string::npos) return Status::invalid("malformed request line");
  request->method = line.substr(0, first);
  std::string target = line.substr(first + 1, second - first - 1);
  std::string version = line.substr(second + 1);
  if (version.rfind("HTTP/1.", 0) != 0) return Status::invalid("unsupported HTTP version");
  if (target.empty() || target[0] != '/') return Status::invalid("request target must be a path");
  size_t question = target.find('?');
  auto path = url_decode(target.substr(0, question), false);
  if (!path) return path.status();
  request->path = *path;
  if (question != std::string::npos) {
    return parse_query(target.substr(question + 1), &request->query);
  }
  return Status::ok();
}

}  // namespace

StatusOr<std::string> url_decode(const std::string& text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c == '%') {
      int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
      int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (high < 0 || low < 0) return Status::invalid("bad %-escape in '" + text + "'");
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

StatusOr<HttpRequest> parse_http_head(const std::string& head) {
  HttpRequest request;
  size_t start = 0;
  bool first = true;
  while (start < head.size()) {
    size_t end = head.find("\r\n", start);
    if (end == std::string::npos) end = head.size();
    std::string line = head.substr(start, end - start);
    start = end + 2;
    if (first) {
      CLUSTERCTL_RETURN_IF_ERROR(parse_request_line(line, &request));
      first = false;
      continue;
    }
    if (line.empty()) break;
    size_t colon = line.find(':');
    std::string name = colon == std::string::npos ? "" : lower(trim(line.substr(0, colon)));
    if (name.empty()) return Status::invalid("malformed header line");
    request.headers[name] = trim(line.substr(colon + 1));
  }
  if (first) return Status::invalid("empty request");
  return request;
}

const char* http_reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 307:
      return "Temporary Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 416:
      return "Range Not Satisfiable";
    case 426:
      return "Upgrade Required";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
  }
  return "Unknown";
}

std::string http_target(const HttpRequest& request) {
  auto encode = [](const std::string& text, bool keep_slash) {
    static const char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
          (keep_slash && c == '/')) {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
    return out;
  };
  std::string target = encode(request.path, true);
  char separator = '?';
  for (const auto& [key, value] : request.query) {
    target += separator + encode(key, false) + "=" + encode(value, false);
    separator = '&';
  }
  return target;
}

std::string format_http_response(const HttpResponse& response) {
  std::string out =
      "HTTP/1.1 " + std::to_string(response.status) + " " + http_reason(response.status) + "\r\n";
  out += "Content-Type: " + response.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
  out += "Connection: close\r\n\r\n";
  out += response.body;
  return out;
}

HttpResponse http_payload(const HttpRequest& request, const std::string& packed) {
  HttpResponse response;
  auto accept = request.headers.find("accept");
  if (accept != request.headers.end() &&
      accept->second.find(kMsgpackContentType) != std::string::npos) {
    response.content_type = kMsgpackContentType;
    response.body = packed;
    return response;
  }
  msgpack::object_handle handle = msgpack::unpack(packed.data(), packed.size());
  response.body = to_json(handle.get(), true) + "\n";
  return response;
}

HttpResponse http_error(int status, const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.body = "{\"error\": " + json_quote(message) + "}\n";
  return response;
}

}  // namespace clusterctl
