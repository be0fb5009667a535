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
  for (unsigned char c : text) {
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
