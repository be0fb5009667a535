#include "core/rpc/frame_scanner.hpp"

#include <string>

namespace clusterctl {

namespace {

// What a type byte announces: `length_bytes` of big-endian length (or count)
// follow it; then `payload` bytes (plus the length read, for strings, binaries
// and extensions), or `count` elements (times two for maps).
struct Shape {
  enum Kind { kInvalid, kScalar, kBytes, kArray, kMap };
  Kind kind = kInvalid;
  int length_bytes = 0;
  uint64_t payload = 0;  // fixed payload bytes (numbers, an extension's type byte)
  uint64_t count = 0;    // fixstr length, fixarray/fixmap elements
};

Shape shape_of(unsigned char byte) {
  if (byte <= 0x7f || byte >= 0xe0) return {Shape::kScalar};  // fixint
  if (byte <= 0x8f) return {Shape::kMap, 0, 0, byte & 0x0fu};
  if (byte <= 0x9f) return {Shape::kArray, 0, 0, byte & 0x0fu};
  if (byte <= 0xbf) return {Shape::kBytes, 0, 0, byte & 0x1fu};
  switch (byte) {
    case 0xc0:  // nil
    case 0xc2:  // false
    case 0xc3:  // true
      return {Shape::kScalar};
    case 0xc4:  // bin 8, 16, 32
    case 0xd9:  // str 8, 16, 32
      return {Shape::kBytes, 1};
    case 0xc5:
    case 0xda:
      return {Shape::kBytes, 2};
    case 0xc6:
    case 0xdb:
      return {Shape::kBytes, 4};
    case 0xc7:  // ext 8, 16, 32: the length, then a type byte
      return {Shape::kBytes, 1, 1};
    case 0xc8:
      return {Shape::kBytes, 2, 1};
    case 0xc9:
      return {Shape::kBytes, 4, 1};
    case 0xca:  // float 32, 64
      return {Shape::kScalar, 0, 4};
    case 0xcb:
      return {Shape::kScalar, 0, 8};
    case 0xcc:  // uint and int 8, 16, 32, 64
    case 0xd0:
      return {Shape::kScalar, 0, 1};
    case 0xcd:
    case 0xd1:
      return {Shape::kScalar, 0, 2};
    case 0xce:
    case 0xd2:
      return {Shape::kScalar, 0, 4};
    case 0xcf:
    case 0xd3:
      return {Shape::kScalar, 0, 8};
    case 0xd4:  // fixext 1, 2, 4, 8, 16: a type byte and the data
      return {Shape::kBytes, 0, 1, 1};
    case 0xd5:
      return {Shape::kBytes, 0, 1, 2};
    case 0xd6:
      return {Shape::kBytes, 0, 1, 4};
    case 0xd7:
      return {Shape::kBytes, 0, 1, 8};
    case 0xd8:
      return {Shape::kBytes, 0, 1, 16};
    case 0xdc:  // array 16, 32
      return {Shape::kArray, 2};
    case 0xdd:
      return {Shape::kArray, 4};
    case 0xde:  // map 16, 32
      return {Shape::kMap, 2};
    case 0xdf:
      return {Shape::kMap, 4};
  }
  return {};  // 0xc1 is never used
}

uint64_t read_big_endian(const unsigned char* bytes, int count) {
  uint64_t value = 0;
  for (int i = 0; i < count; ++i) value = (value << 8) | bytes[i];
  return value;
}

Status too_large(const FrameLimits& limits) {
  return Status::protocol("frame exceeds " + std::to_string(limits.max_bytes) + " bytes");
}

}  // namespace

void FrameScanner::reset() {
  pos_ = 0;
  open_.clear();
  objects_ = 0;
  payload_bytes_ = 0;
  complete_ = false;
}

StatusOr<size_t> FrameScanner::scan(const char* data, size_t size) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(data);
  while (true) {
    if (pos_ > limits_.max_bytes) return too_large(limits_);
    if (complete_) return pos_ <= size ? pos_ : 0;
    if (pos_ >= size) return 0;
    auto read = read_header(bytes, size);
    if (!read) return read.status();
    if (!*read) return 0;
  }
}

StatusOr<bool> FrameScanner::read_header(const unsigned char* bytes, size_t size) {
  Shape shape = shape_of(bytes[pos_]);
  if (shape.kind == Shape::kInvalid) {
    return Status::protocol("malformed frame: byte 0xc1 at offset " + std::to_string(pos_));
  }
  size_t header = 1 + static_cast<size_t>(shape.length_bytes);
  if (pos_ + header > size) {
    if (pos_ + header > limits_.max_bytes) return too_large(limits_);
    return false;
  }
  uint64_t count =
      shape.length_bytes > 0 ? read_big_endian(bytes + pos_ + 1, shape.length_bytes) : shape.count;
  if (++objects_ > limits_.max_objects) {
    return Status::protocol("frame holds more than " + std::to_string(limits_.max_objects) +
                            " values");
  }
  pos_ += header;
  if (shape.kind == Shape::kScalar || shape.kind == Shape::kBytes) {
    uint64_t payload = shape.payload + (shape.kind == Shape::kBytes ? count : 0);
    if (payload > limits_.max_bytes) return too_large(limits_);
    if (shape.kind == Shape::kBytes) payload_bytes_ += payload;
    pos_ += payload;
    element_done();
    return true;
  }
  if (count > limits_.max_container) {
    return Status::protocol("an array or map of " + std::to_string(count) +
                            " elements exceeds the limit of " +
                            std::to_string(limits_.max_container));
  }
  if (count == 0) {
    element_done();
    return true;
  }
  if (open_.size() >= limits_.max_depth) {
    return Status::protocol("frame nests deeper than " + std::to_string(limits_.max_depth));
  }
  open_.push_back(shape.kind == Shape::kMap ? 2 * count : count);
  return true;
}

// A value ended: it counts against its container, and a container whose last
// element this was ends too.
void FrameScanner::element_done() {
  while (!open_.empty()) {
    if (--open_.back() > 0) return;
    open_.pop_back();
  }
  complete_ = true;
}

}  // namespace clusterctl
