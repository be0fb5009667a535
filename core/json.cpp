#include "core/json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace clusterctl {

namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(const char* data, size_t size) {
  std::string out;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; i += 3) {
    uint32_t chunk = bytes[i] << 16;
    if (i + 1 < size) chunk |= bytes[i + 1] << 8;
    if (i + 2 < size) chunk |= bytes[i + 2];
    out += kBase64[(chunk >> 18) & 63];
    out += kBase64[(chunk >> 12) & 63];
    out += i + 1 < size ? kBase64[(chunk >> 6) & 63] : '=';
    out += i + 2 < size ? kBase64[chunk & 63] : '=';
  }
  return out;
}

bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// The length of the well-formed UTF-8 sequence at text[at], or 0 (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF).
size_t utf8_sequence_length(const std::string& text, size_t at) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[at + i]); };
  unsigned char lead = byte(0);
  size_t length = lead < 0x80                    ? 1
                  : lead >= 0xC2 && lead <= 0xDF ? 2
                  : lead >= 0xE0 && lead <= 0xEF ? 3
                  : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                 : 0;
  if (length <= 1) return length;
  if (at + length > text.size()) return 0;  // cut short by the end of the text
  for (size_t i = 1; i < length; ++i) {
    if (!is_continuation(byte(i))) return 0;
  }
  unsigned char second = byte(1);
  if (lead == 0xE0 && second < 0xA0) return 0;  // overlong
  if (lead == 0xED && second > 0x9F) return 0;  // surrogate
  if (lead == 0xF0 && second < 0x90) return 0;  // overlong
  if (lead == 0xF4 && second > 0x8F) return 0;  // above U+10FFFF
  return length;
}

std::string format_double(double value) {
  if (!std::isfinite(value)) return "null";
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

class JsonWriter {
 public:
  explicit JsonWriter(bool pretty) : pretty_(pretty) {}

  void write(const msgpack::object& value, int depth) {
    switch (value.type) {
      case msgpack::type::NIL:
        out_ += "null";
        break;
      case msgpack::type::BOOLEAN:
        out_ += value.via.boolean ? "true" : "false";
        break;
      case msgpack::type::POSITIVE_INTEGER:
        out_ += std::to_string(value.via.u64);
        break;
      case msgpack::type::NEGATIVE_INTEGER:
        out_ += std::to_string(value.via.i64);
        break;
      case msgpack::type::FLOAT32:
      case msgpack::type::FLOAT64:
        out_ += format_double(value.via.f64);
        break;
      case msgpack::type::STR:
        out_ += json_quote(std::string(value.via.str.ptr, value.via.str.size));
        break;
      case msgpack::type::BIN:
        out_ += json_quote(base64(value.via.bin.ptr, value.via.bin.size));
        break;
      case msgpack::type::EXT:
        out_ += "null";
        break;
      case msgpack::type::ARRAY:
        write_array(value, depth);
        break;
      case msgpack::type::MAP:
        write_map(value, depth);
        break;
    }
  }

  std::string take() { return std::move(out_); }

 private:
  void newline(int depth) {
    if (!pretty_) return;
    out_ += '\n';
    out_.append(static_cast<size_t>(depth) * 2, ' ');
  }

  void write_array(const msgpack::object& value, int depth) {
    if (value.via.array.size == 0) {
      out_ += "[]";
      return;
    }
    out_ += '[';
    for (uint32_t i = 0; i < value.via.array.size; ++i) {
      if (i > 0) out_ += ',';
      newline(depth + 1);
      write(value.via.array.ptr[i], depth + 1);
    }
    newline(depth);
    out_ += ']';
  }

  void write_map(const msgpack::object& value, int depth) {
    if (value.via.map.size == 0) {
      out_ += "{}";
      return;
    }
    out_ += '{';
    for (uint32_t i = 0; i < value.via.map.size; ++i) {
      const msgpack::object_kv& entry = value.via.map.ptr[i];
      if (i > 0) out_ += ',';
      newline(depth + 1);
      if (entry.key.type == msgpack::type::STR) {
        write(entry.key, depth + 1);
      } else {
        JsonWriter key(false);
        key.write(entry.key, 0);
        out_ += json_quote(key.take());
      }
      out_ += pretty_ ? ": " : ":";
      write(entry.val, depth + 1);
    }
    newline(depth);
    out_ += '}';
  }

  bool pretty_;
  std::string out_;
};

}  // namespace

std::string json_quote(const std::string& text) {
  std::string out = "\"";
  for (size_t at = 0; at < text.size();) {
    size_t length = utf8_sequence_length(text, at);
    if (length == 0) {
      out += "\\ufffd";  // not UTF-8: the replacement character, as JSON must be text
      ++at;
      continue;
    }
    if (length > 1) {
      out.append(text, at, length);
      at += length;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(text[at++]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char escape[8];
          std::snprintf(escape, sizeof(escape), "\\u%04x", c);
          out += escape;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string to_json(const msgpack::object& value, bool pretty) {
  JsonWriter writer(pretty);
  writer.write(value, 0);
  return writer.take();
}

}  // namespace clusterctl
