#include "core/rpc/message.hpp"

#include <cstring>

namespace clusterctl {

namespace {

// Limits on what one frame may hold. Legitimate payloads are far below them;
// past them the peer is broken or hostile.
constexpr size_t kMaxElements = 1 << 20;
constexpr size_t kMaxDepth = 64;
// The unpacker's buffer starts small (it doubles as frames need): most
// connections carry small frames and many are idle.
constexpr size_t kInitialBufferBytes = 4096;

using Packer = msgpack::packer<msgpack::sbuffer>;

void append_raw(msgpack::sbuffer& buffer, const Payload& payload) {
  if (payload.empty()) {
    Packer(buffer).pack_nil();
  } else {
    buffer.write(payload.data(), payload.size());
  }
}

std::string to_string(const msgpack::sbuffer& buffer) {
  return std::string(buffer.data(), buffer.size());
}

bool is_uint(const msgpack::object& object) {
  return object.type == msgpack::type::POSITIVE_INTEGER && object.via.u64 <= UINT32_MAX;
}

std::string text_of(const msgpack::object& object) {
  return std::string(object.via.str.ptr, object.via.str.size);
}

// params is an array; its first element (a map by convention) is the payload.
StatusOr<msgpack::object> first_param(const msgpack::object& params) {
  if (params.type != msgpack::type::ARRAY) return Status::protocol("params must be an array");
  if (params.via.array.size == 0) return msgpack::object();  // nil
  return params.via.array.ptr[0];
}

// {"kind": "...", "message": "..."} -> Status. Unknown shapes still become an error.
Status parse_error(const msgpack::object& error) {
  if (error.type == msgpack::type::NIL) return Status::ok();
  if (error.type == msgpack::type::STR) return Status::internal(text_of(error));
  std::string kind = "internal";
  std::string message = "peer returned an error without a message";
  if (error.type == msgpack::type::MAP) {
    for (uint32_t i = 0; i < error.via.map.size; ++i) {
      const msgpack::object_kv& entry = error.via.map.ptr[i];
      if (entry.key.type != msgpack::type::STR || entry.val.type != msgpack::type::STR) continue;
      if (text_of(entry.key) == "kind") kind = text_of(entry.val);
      if (text_of(entry.key) == "message") message = text_of(entry.val);
    }
  }
  ErrorKind parsed = error_kind_from_name(kind);
  if (parsed == ErrorKind::kOk) parsed = ErrorKind::kInternal;
  return Status(parsed, message);
}

StatusOr<RpcMessage> parse_message(const msgpack::object& frame,
                                   const std::shared_ptr<msgpack::zone>& zone) {
  if (frame.type != msgpack::type::ARRAY || frame.via.array.size < 3) {
    return Status::protocol("a frame must be an array [type, ...]");
  }
  const msgpack::object* items = frame.via.array.ptr;
  uint32_t size = frame.via.array.size;
  if (items[0].type != msgpack::type::POSITIVE_INTEGER || items[0].via.u64 > 2) {
    return Status::protocol("unknown message type (expected 0, 1 or 2)");
  }
  RpcMessage message;
  message.type = static_cast<RpcMessage::Type>(items[0].via.u64);
  switch (message.type) {
    case RpcMessage::Type::kRequest: {
      if (size != 4) return Status::protocol("a request must be [0, msgid, method, params]");
      if (!is_uint(items[1])) return Status::protocol("request msgid must be a 32-bit uint");
      if (items[2].type != msgpack::type::STR) return Status::protocol("method must be a string");
      auto params = first_param(items[3]);
      if (!params) return params.status();
      message.msgid = static_cast<uint32_t>(items[1].via.u64);
      message.method = text_of(items[2]);
      message.params = RpcValue{*params, zone};
      break;
    }
    case RpcMessage::Type::kResponse: {
      if (size != 4) return Status::protocol("a response must be [1, msgid, error, result]");
      if (!is_uint(items[1])) return Status::protocol("response msgid must be a 32-bit uint");
      message.msgid = static_cast<uint32_t>(items[1].via.u64);
      message.error = parse_error(items[2]);
      message.result = RpcValue{items[3], zone};
      break;
    }
    case RpcMessage::Type::kNotification: {
      if (size != 3) return Status::protocol("a notification must be [2, method, params]");
      if (items[1].type != msgpack::type::STR) return Status::protocol("method must be a string");
      auto params = first_param(items[2]);
      if (!params) return params.status();
      message.method = text_of(items[1]);
      message.params = RpcValue{*params, zone};
      break;
    }
  }
  return message;
}

}  // namespace

Payload empty_payload() {
  msgpack::sbuffer buffer;
  Packer(buffer).pack_map(0);
  return to_string(buffer);
}

std::string encode_request(uint32_t msgid, const std::string& method, const Payload& params) {
  msgpack::sbuffer buffer;
  Packer packer(buffer);
  packer.pack_array(4);
  packer.pack(0);
  packer.pack(msgid);
  packer.pack(method);
  packer.pack_array(1);
  append_raw(buffer, params);
  return to_string(buffer);
}

std::string encode_response(uint32_t msgid, const Status& error, const Payload& result) {
  msgpack::sbuffer buffer;
  Packer packer(buffer);
  packer.pack_array(4);
  packer.pack(1);
  packer.pack(msgid);
  if (error.is_ok()) {
    packer.pack_nil();
    append_raw(buffer, result);
  } else {
    packer.pack_map(2);
    packer.pack(std::string("kind"));
    packer.pack(std::string(error_kind_name(error.kind())));
    packer.pack(std::string("message"));
    packer.pack(error.message());
    packer.pack_nil();
  }
  return to_string(buffer);
}

std::string encode_notification(const std::string& method, const Payload& params) {
  msgpack::sbuffer buffer;
  Packer packer(buffer);
  packer.pack_array(3);
  packer.pack(2);
  packer.pack(method);
  packer.pack_array(1);
  append_raw(buffer, params);
  return to_string(buffer);
}

struct FrameDecoder::State {
  explicit State(size_t max_frame)
      : max_frame_bytes(max_frame),
        unpacker(nullptr, nullptr, kInitialBufferBytes,
                 msgpack::unpack_limit(kMaxElements, kMaxElements, max_frame, max_frame, max_frame,
                                       kMaxDepth)) {}
  size_t max_frame_bytes;
  msgpack::unpacker unpacker;
  Status failed;  // sticky: once broken, the stream stays broken
};

FrameDecoder::FrameDecoder(size_t max_frame_bytes)
    : state_(std::make_unique<State>(max_frame_bytes)) {}

FrameDecoder::~FrameDecoder() = default;

void FrameDecoder::feed(const char* data, size_t size) {
  if (!state_->failed.is_ok()) return;
  msgpack::unpacker& unpacker = state_->unpacker;
  unpacker.reserve_buffer(size);
  std::memcpy(unpacker.buffer(), data, size);
  unpacker.buffer_consumed(size);
}

StatusOr<std::optional<RpcMessage>> FrameDecoder::next() {
  if (!state_->failed.is_ok()) return state_->failed;
  msgpack::object_handle handle;
  bool complete = false;
  try {
    complete = state_->unpacker.next(handle);
  } catch (const msgpack::size_overflow& e) {
    state_->failed =
        Status::protocol("frame exceeds the limits (" + std::to_string(state_->max_frame_bytes) +
                         " bytes, " + std::to_string(kMaxElements) + " elements): " + e.what());
    return state_->failed;
  } catch (const std::exception& e) {
    state_->failed = Status::protocol(std::string("malformed frame: ") + e.what());
    return state_->failed;
  }
  if (!complete) {
    if (state_->unpacker.message_size() > state_->max_frame_bytes) {
      state_->failed =
          Status::protocol("frame exceeds " + std::to_string(state_->max_frame_bytes) + " bytes");
      return state_->failed;
    }
    return std::optional<RpcMessage>();
  }
  std::shared_ptr<msgpack::zone> zone(handle.zone().release());
  auto message = parse_message(handle.get(), zone);
  if (!message) {
    state_->failed = message.status();
    return state_->failed;
  }
  return std::optional<RpcMessage>(std::move(message).value());
}

}  // namespace clusterctl
