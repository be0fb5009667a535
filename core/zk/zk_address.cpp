// Parsing and checking of zk:// and host:port master addresses.
#include "core/zk/zk_address.hpp"

#include <charconv>
#include <vector>

#include "core/rpc/rpc.hpp"

namespace clusterctl {
namespace {

constexpr const char* kScheme = "zk://";
constexpr size_t kSchemeLength = 5;
constexpr size_t kMaxAddressLength = 1024;

// The text with the password of "zk://user:password@..." hidden, for errors.
std::string redacted(const std::string& text) {
  if (text.compare(0, kSchemeLength, kScheme) != 0) return text;
  size_t slash = text.find('/', kSchemeLength);
  size_t at = text.rfind('@', slash == std::string::npos ? std::string::npos : slash);
  if (at == std::string::npos || at < kSchemeLength) return text;
  size_t colon = text.find(':', kSchemeLength);
  if (colon == std::string::npos || colon > at) return text;
  return text.substr(0, colon + 1) + "***" + text.substr(at);
}

std::vector<std::string> split_keeping_empty(const std::string& text, char separator) {
  std::vector<std::string> items;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    items.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return items;
    start = end + 1;
  }
}

// Whitespace or a control character, by position (1-based), or 0.
size_t bad_character_position(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c <= 0x20 || c == 0x7f) return i + 1;
  }
  return 0;
}

bool valid_host(const std::string& host) {
  if (host.empty() || host.front() == '.' || host.front() == '-' || host.back() == '.' ||
      host.back() == '-') {
    return false;
  }
  for (char c : host) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '.' && c != '-') return false;
  }
  return host.find("..") == std::string::npos;
}

// 1-65535 in decimal digits.
bool valid_port(const std::string& digits) {
  unsigned value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return !digits.empty() && error == std::errc() && end == digits.data() + digits.size() &&
         value >= 1 && value <= 65535;
}

// One "host:port" of a list; the port must be 1-65535.
Status check_server(const std::string& item) {
  size_t colon = item.rfind(':');
  if (colon == std::string::npos) return Status::invalid("missing port in '" + item + "'");
  std::string host = item.substr(0, colon);
  if (host.empty()) return Status::invalid("missing host in '" + item + "'");
  if (!valid_host(host)) {
    return Status::invalid("invalid host '" + host + "' in '" + item +
                           "' (expected a name or an IPv4 address)");
  }
  std::string digits = item.substr(colon + 1);
  if (!valid_port(digits)) {
    return Status::invalid("invalid port '" + digits + "' in '" + item + "' (expected 1-65535)");
  }
  return Status::ok();
}

Status check_servers(const std::string& servers) {
  if (servers.empty()) return Status::invalid("missing host:port before the path");
  for (const std::string& item : split_keeping_empty(servers, ',')) {
    if (item.empty()) return Status::invalid("empty item in the server list '" + servers + "'");
    CLUSTERCTL_RETURN_IF_ERROR(check_server(item));
  }
  return Status::ok();
}

bool valid_znode_name(const std::string& part) {
  for (char c : part) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

// `path` starts with '/'.
Status check_path(const std::string& path) {
  if (path == "/") {
    return Status::invalid("the path must name a znode below '/' (e.g. /clusterctl)");
  }
  if (path.back() == '/') return Status::invalid("path '" + path + "' ends with '/'");
  std::vector<std::string> parts = split_keeping_empty(path.substr(1), '/');
  for (const std::string& part : parts) {
    if (part.empty()) return Status::invalid("empty part in path '" + path + "'");
    if (part == "." || part == "..") {
      return Status::invalid("path '" + path + "' has a '" + part + "' part");
    }
    if (!valid_znode_name(part)) {
      return Status::invalid("path part '" + part + "' has a character outside [A-Za-z0-9._-]");
    }
  }
  if (parts.front() == "zookeeper") {
    return Status::invalid("path '" + path + "' is inside ZooKeeper's reserved /zookeeper");
  }
  return Status::ok();
}

Status check_credentials(const std::string& credentials, ZkAddress* address) {
  size_t colon = credentials.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == credentials.size()) {
    return Status::invalid("credentials before '@' must be user:password");
  }
  address->user = credentials.substr(0, colon);
  address->password = credentials.substr(colon + 1);
  return Status::ok();
}

StatusOr<ZkAddress> parse_checked(const std::string& text) {
  if (text.size() > kMaxAddressLength) {
    return Status::invalid("the address is " + std::to_string(text.size()) +
                           " characters long (at most " + std::to_string(kMaxAddressLength) + ")");
  }
  if (size_t at = bad_character_position(text)) {
    return Status::invalid("whitespace or a control character at position " + std::to_string(at));
  }
  if (!is_zk_address(text)) return Status::invalid("not a zk:// address");
  size_t slash = text.find('/', kSchemeLength);
  if (slash == std::string::npos) {
    return Status::invalid("missing path (expected zk://host:port/path)");
  }
  std::string authority = text.substr(kSchemeLength, slash - kSchemeLength);
  ZkAddress address;
  size_t at = authority.rfind('@');
  if (at != std::string::npos) {
    CLUSTERCTL_RETURN_IF_ERROR(check_credentials(authority.substr(0, at), &address));
    authority = authority.substr(at + 1);
  }
  CLUSTERCTL_RETURN_IF_ERROR(check_servers(authority));
  address.servers = authority;
  address.path = text.substr(slash);
  CLUSTERCTL_RETURN_IF_ERROR(check_path(address.path));
  return address;
}

}  // namespace

std::string ZkAddress::to_string() const {
  return kScheme + (user.empty() ? "" : user + "@") + servers + path;
}

bool is_zk_address(const std::string& text) {
  return text.compare(0, kSchemeLength, kScheme) == 0;
}

StatusOr<ZkAddress> parse_zk_address(const std::string& text) {
  StatusOr<ZkAddress> address = parse_checked(text);
  if (address.is_ok()) return address;
  std::string shown = text.size() > 80 ? redacted(text).substr(0, 60) + "..." : redacted(text);
  return Status::invalid(shown + ": " + address.status().message());
}

Status check_master_address(const std::string& text) {
  if (text.empty()) return Status::invalid("empty master address (expected host:port or zk://)");
  if (is_zk_address(text)) return parse_zk_address(text).status();
  if (size_t scheme = text.find("://"); scheme != std::string::npos) {
    return Status::invalid("master address '" + text + "': unsupported scheme '" +
                           text.substr(0, scheme + 3) + "' (expected host:port or zk://)");
  }
  if (size_t at = bad_character_position(text)) {
    return Status::invalid("master address '" + text +
                           "': whitespace or a control character at position " +
                           std::to_string(at));
  }
  for (const std::string& item : split_keeping_empty(text, ',')) {
    if (item.empty()) return Status::invalid("master address '" + text + "': empty list item");
    std::string host;
    uint16_t port = 0;
    Status valid = split_host_port(item, &host, &port);
    size_t colon = item.rfind(':');
    if (colon != std::string::npos && (!valid.is_ok() || port == 0)) {
      std::string digits = item.substr(colon + 1);
      if (!valid_port(digits)) {
        valid =
            Status::invalid("invalid port '" + digits + "' in '" + item + "' (expected 1-65535)");
      }
    }
    if (!valid.is_ok()) return Status::invalid("master address '" + text + "': " + valid.message());
  }
  return Status::ok();
}

}  // namespace clusterctl
