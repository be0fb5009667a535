// msgpack-RPC frames (see docs/PROTOCOL.md) and the payload helpers.
//
//   request       [0, msgid, method, [params]]
//   response      [1, msgid, error, result]
//   notification  [2, method, [params]]
//
// params and result are msgpack maps with string keys; error is nil or
// {"kind": "<error kind name>", "message": "..."}. Thread-compatible values.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <msgpack.hpp>

#include "core/rpc/frame_scanner.hpp"
#include "core/status.hpp"

namespace clusterctl {

constexpr uint32_t kProtocolVersion = 1;
constexpr size_t kDefaultMaxFrameBytes = 16 * 1024 * 1024;
// Values of all kinds in one frame: unpacked, each costs a msgpack::object
// (24 bytes), so this caps a whole frame's objects near 50 MB however small
// its values are. Legitimate frames hold far fewer.
constexpr size_t kMaxFrameObjects = 1 << 21;
// Elements of one array or map, and nesting depth.
constexpr size_t kMaxFrameContainer = 1 << 20;
constexpr size_t kMaxFrameDepth = 64;

// One packed msgpack value (normally a map): what params and results are made of.
using Payload = std::string;

// Packs any msgpack-serializable value (MSGPACK_DEFINE_MAP structs, maps).
template <typename T>
Payload pack_payload(const T& value) {
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, value);
  return Payload(buffer.data(), buffer.size());
}
// Unpacks a whole payload into T; the error (kProtocol) is msgpack's reason
// alone, for the caller to say what was malformed.
template <typename T>
StatusOr<T> unpack_payload(const Payload& bytes) {
  try {
    msgpack::object_handle handle = msgpack::unpack(bytes.data(), bytes.size());
    T value;
    handle.get().convert(value);
    return value;
  } catch (const std::exception& e) {
    return Status::protocol(e.what());
  }
}
// An empty map: {}.
Payload empty_payload();

// A received msgpack value with the zone that owns it.
struct RpcValue {
  msgpack::object object;
  std::shared_ptr<msgpack::zone> zone;

  // Converts to T; a type mismatch is a protocol error naming `what`.
  template <typename T>
  StatusOr<T> as(const char* what = "payload") const {
    try {
      T value;
      object.convert(value);
      return value;
    } catch (const std::exception& e) {
      return Status::protocol(std::string("malformed ") + what + ": " + e.what());
    }
  }
};

struct RpcMessage {
  enum class Type { kRequest = 0, kResponse = 1, kNotification = 2 };
  Type type = Type::kRequest;
  uint32_t msgid = 0;  // requests and responses
  std::string method;  // requests and notifications
  RpcValue params;     // requests and notifications: the first params element (nil if none)
  RpcValue result;     // responses
  Status error;        // responses: OK when the error element is nil
};

// Whole frames, ready to write to a socket.
std::string encode_request(uint32_t msgid, const std::string& method, const Payload& params);
std::string encode_response(uint32_t msgid, const Status& error, const Payload& result);
std::string encode_notification(const std::string& method, const Payload& params);

// Splits a byte stream into frames. Untrusted input: a frame larger than
// max_frame_bytes, with more values, elements or nesting than the limits, or
// that is not a valid msgpack-RPC message is an error after which the stream
// is unusable (the connection must be closed).
//
// Memory tracks the bytes received: an unfinished frame is kept as bytes
// (FrameScanner finds its end without building objects) and unpacked only
// once whole, into one zone sized for it, so it is returned to the system as
// soon as the message is dropped. Not thread-safe.
class FrameDecoder {
 public:
  explicit FrameDecoder(size_t max_frame_bytes = kDefaultMaxFrameBytes);
  ~FrameDecoder();
  FrameDecoder(const FrameDecoder&) = delete;
  FrameDecoder& operator=(const FrameDecoder&) = delete;

  void feed(const char* data, size_t size);
  // The next complete message, std::nullopt if more bytes are needed, or an
  // error naming what was wrong ("frame exceeds 16777216 bytes").
  StatusOr<std::optional<RpcMessage>> next();

  // Applies to the frame being received and every later one (a server
  // raises it once the peer said hello).
  void set_max_frame_bytes(size_t max_frame_bytes);
  // Bytes received but not yet returned as messages (an unfinished frame).
  size_t pending_bytes() const;
  // Memory the decoder holds for them (its buffer's capacity).
  size_t held_bytes() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace clusterctl
