#include "core/zk/znode_name.hpp"

namespace clusterctl {

namespace {

bool kept_as_is(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // lower case is not what encoding makes
}

void append_escaped(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 0x0F];
}

}  // namespace

std::string encode_znode_name(std::string_view key) {
  if (key.empty()) return "%";
  bool only_dots = key.find_first_not_of('.') == std::string_view::npos;
  std::string out;
  out.reserve(key.size());
  for (unsigned char c : key) {
    // "." and ".." name no node; longer runs of dots are fine names.
    if (kept_as_is(c) && !(only_dots && key.size() <= 2)) {
      out += static_cast<char>(c);
    } else {
      append_escaped(out, c);
    }
  }
  return out;
}

std::optional<std::string> decode_znode_name(std::string_view name) {
  if (name == "%") return std::string();
  std::string key;
  key.reserve(name.size());
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '%') {
      if (!kept_as_is(static_cast<unsigned char>(name[i]))) return std::nullopt;
      key += name[i];
      continue;
    }
    if (i + 2 >= name.size()) return std::nullopt;
    int high = hex_value(name[i + 1]);
    int low = hex_value(name[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    key += static_cast<char>(high * 16 + low);
    i += 2;
  }
  // One name per key: "%41" (for "A") or "." is refused, as encoding never
  // makes them.
  if (encode_znode_name(key) != name) return std::nullopt;
  return key;
}

}  // namespace clusterctl
