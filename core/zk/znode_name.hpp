// Any string as one znode name and back: bytes outside [A-Za-z0-9._-] become
// %XX (upper-case hex), so "eng/ml" is "eng%2Fml" and never a path. The names
// ZooKeeper refuses are encoded too: "." is "%2E", ".." is "%2E%2E", and
// the empty string is "%" (which no other string encodes to).
//
// Decoding accepts only what encoding produces (one name per string), so two
// znodes can never stand for the same key. Pure functions: thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace clusterctl {

std::string encode_znode_name(std::string_view key);
// std::nullopt when `name` is not exactly what encode_znode_name makes.
std::optional<std::string> decode_znode_name(std::string_view name);

}  // namespace clusterctl
