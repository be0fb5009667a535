// msgpack values as JSON text, for /state and every `--json` output.
// Maps with non-string keys use the key's JSON text as the key. Binary data is
// written as a base64 string, strings as json_quote says. Non-finite floats
// become null. Thread-safe.
#pragma once

#include <string>

#include <msgpack.hpp>

namespace clusterctl {

std::string to_json(const msgpack::object& value, bool pretty = false);
// Quotes and escapes a string for JSON. Bytes that are not well-formed UTF-8
// become U+FFFD each, so that the answer is always valid JSON.
std::string json_quote(const std::string& text);

}  // namespace clusterctl
