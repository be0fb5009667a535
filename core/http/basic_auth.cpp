#include "core/http/basic_auth.hpp"

#include <cctype>

namespace clusterctl {

namespace {

constexpr const char* kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool equal_in_constant_time(const std::string& a, const std::string& b) {
  unsigned char differ = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    differ |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return differ == 0;
}

}  // namespace

StatusOr<std::string> base64_decode(const std::string& text) {
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  size_t end = text.size();
  while (end > 0 && text[end - 1] == '=') --end;
  if (text.size() - end > 2) return Status::invalid("bad base64 padding");
  for (size_t i = 0; i < end; ++i) {
    int value = sextet(text[i]);
    if (value < 0) return Status::invalid("not base64");
    bits = (bits << 6) | static_cast<uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  if (count >= 6) return Status::invalid("truncated base64");
  return out;
}

std::string base64_encode(const std::string& bytes) {
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (unsigned char c : bytes) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out.push_back(kAlphabet[(bits >> count) & 0x3f]);
    }
  }
  if (count > 0) out.push_back(kAlphabet[(bits << (6 - count)) & 0x3f]);
  while (out.size() % 4 != 0) out.push_back('=');
  return out;
}

StatusOr<std::string> http_basic_principal(const HttpRequest& request,
                                           const CredentialStore& credentials) {
  auto header = request.headers.find("authorization");
  if (header == request.headers.end()) {
    return Status::unauthenticated(
        "this endpoint needs HTTP Basic authentication (--authenticate-http): send "
        "'Authorization: Basic base64(principal:secret)', e.g. curl -u principal:secret");
  }
  const std::string& value = header->second;
  size_t space = value.find(' ');
  std::string scheme = value.substr(0, space);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "basic" || space == std::string::npos) {
    return Status::unauthenticated("only HTTP Basic authentication is supported here");
  }
  size_t start = value.find_first_not_of(' ', space);
  auto decoded = base64_decode(start == std::string::npos ? "" : value.substr(start));
  size_t colon = decoded ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos) {
    return Status::unauthenticated("the Basic credentials are not base64 of principal:secret");
  }
  std::string principal = decoded->substr(0, colon);
  std::string secret = decoded->substr(colon + 1);
  auto expected = credentials.secret_of(principal);
  // An unknown principal costs the same comparison as a wrong secret.
  bool valid =
      equal_in_constant_time(expected.value_or(std::string(secret.size() + 1, '\0')), secret) &&
      expected.has_value();
  if (!valid) return Status::unauthenticated("wrong principal or secret");
  return principal;
}

HttpResponse http_unauthorized(const std::string& why) {
  HttpResponse response = http_error(401, why);
  response.headers["WWW-Authenticate"] = std::string("Basic realm=\"") + kHttpRealm + "\"";
  return response;
}

}  // namespace clusterctl
