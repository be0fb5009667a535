#include "core/rpc/message.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

namespace clusterctl {

namespace {

// The receive buffer grows by at most this much at a time, so its capacity
// stays close to the bytes actually received (doubling would let a 9 MiB
// unfinished frame hold 16 MiB), and keeps at most kKeptBufferBytes once
// empty: most connections carry small frames and many are idle.
constexpr size_t kMaxBufferGrowth = 1024 * 1024;
constexpr size_t kKeptBufferBytes = 64 * 1024;

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

// {"kind": "...", "message": "..."} -> Status ("leader" too for not_leader).
// Unknown shapes still become an error.
Status parse_error(const msgpack::object& error) {
  if (error.type == msgpack::type::NIL) return Status::ok();
  if (error.type == msgpack::type::STR) return Status::internal(text_of(error));
  std::string kind = "internal";
  std::string message = "peer returned an error without a message";
  std::string leader;
  if (error.type == msgpack::type::MAP) {
    for (uint32_t i = 0; i < error.via.map.size; ++i) {
      const msgpack::object_kv& entry = error.via.map.ptr[i];
      if (entry.key.type != msgpack::type::STR || entry.val.type != msgpack::type::STR) continue;
      if (text_of(entry.key) == "kind") kind = text_of(entry.val);
      if (text_of(entry.key) == "message") message = text_of(entry.val);
      if (text_of(entry.key) == "leader") leader = text_of(entry.val);
    }
  }
  ErrorKind parsed = error_kind_from_name(kind);
  if (parsed == ErrorKind::kOk) parsed = ErrorKind::kInternal;
  // A host:port is short; anything longer is not one (the client then asks ZooKeeper).
  if (parsed == ErrorKind::kNotLeader)
    return Status::not_leader(leader.size() <= 300 ? leader : "");
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
    bool not_leader = error.kind() == ErrorKind::kNotLeader;
    packer.pack_map(not_leader ? 3 : 2);
    packer.pack(std::string("kind"));
    packer.pack(std::string(error_kind_name(error.kind())));
    packer.pack(std::string("message"));
    packer.pack(error.message());
    if (not_leader) {
      packer.pack(std::string("leader"));
      packer.pack(error.leader());
    }
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
      : scanner(FrameLimits{max_frame, kMaxFrameObjects, kMaxFrameContainer, kMaxFrameDepth}) {}
  std::vector<char> buffer;
  size_t start = 0;  // buffer[0, start) held frames already returned
  FrameScanner scanner;
  Status failed;  // sticky: once broken, the stream stays broken

  void compact() {
    if (start == 0) return;
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(start));
    start = 0;
    if (buffer.capacity() > kKeptBufferBytes && buffer.capacity() > 2 * buffer.size()) {
      std::vector<char>(buffer.begin(), buffer.end()).swap(buffer);
    }
  }
  void append(const char* data, size_t size) {
    size_t needed = buffer.size() + size;
    if (needed > buffer.capacity()) {
      buffer.reserve(needed + std::min(std::max(buffer.size(), size_t{4096}), kMaxBufferGrowth));
    }
    buffer.insert(buffer.end(), data, data + size);
  }
  // Unpacks the whole frame buffer[start, start + length) into a zone of the
  // size the scanner counted (one allocation for a large frame).
  StatusOr<std::optional<RpcMessage>> unpack(size_t length) {
    size_t zone_bytes = scanner.objects() * (sizeof(msgpack::object) + alignof(msgpack::object)) +
                        scanner.payload_bytes() + 256;
    auto zone = std::make_shared<msgpack::zone>(std::max(zone_bytes, size_t{4096}));
    const FrameLimits& limits = scanner.limits();
    msgpack::object frame;
    try {
      size_t offset = 0;
      frame = msgpack::unpack(
          *zone, buffer.data() + start, length, offset, nullptr, nullptr,
          msgpack::unpack_limit(limits.max_container, limits.max_container, limits.max_bytes,
                                limits.max_bytes, limits.max_bytes, limits.max_depth + 1));
    } catch (const std::exception& e) {
      return Status::protocol(std::string("malformed frame: ") + e.what());
    }
    start += length;
    scanner.reset();
    if (start == buffer.size()) {
      start = 0;
      buffer.clear();
      if (buffer.capacity() > kKeptBufferBytes) std::vector<char>().swap(buffer);
    }
    auto message = parse_message(frame, zone);
    if (!message) return message.status();
    return std::optional<RpcMessage>(std::move(message).value());
  }
};

FrameDecoder::FrameDecoder(size_t max_frame_bytes)
    : state_(std::make_unique<State>(max_frame_bytes)) {}

FrameDecoder::~FrameDecoder() = default;

void FrameDecoder::feed(const char* data, size_t size) {
  if (!state_->failed.is_ok()) return;
  state_->compact();
  state_->append(data, size);
}

StatusOr<std::optional<RpcMessage>> FrameDecoder::next() {
  State& state = *state_;
  if (!state.failed.is_ok()) return state.failed;
  auto length = state.scanner.scan(state.buffer.data() + state.start, pending_bytes());
  if (!length) {
    state.failed = length.status();
    return state.failed;
  }
  if (*length == 0) return std::optional<RpcMessage>();
  auto message = state.unpack(*length);
  if (!message) state.failed = message.status();
  return message;
}

void FrameDecoder::set_max_frame_bytes(size_t max_frame_bytes) {
  state_->scanner.set_max_bytes(max_frame_bytes);
}

size_t FrameDecoder::pending_bytes() const {
  return state_->buffer.size() - state_->start;
}

size_t FrameDecoder::held_bytes() const {
  return state_->buffer.capacity();
}

}  // namespace clusterctl
