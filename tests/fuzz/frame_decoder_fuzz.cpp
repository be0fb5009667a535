// Fuzzes the msgpack-RPC frame decoder (core/rpc/message.hpp) the way a socket
// feeds it: the first byte seeds the chunk sizes, the rest is the byte stream.
// Invariants: the messages and the final error do not depend on how the
// stream was cut; a decoded message encodes and decodes to the same message.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/rpc/message.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace clusterctl;

namespace {

// What a decoder made of the stream: one line per message, then the outcome.
std::string summary(const RpcMessage& message) {
  // A response with an error is sent without its result.
  bool is_response = message.type == RpcMessage::Type::kResponse;
  std::string value = is_response && !message.error.is_ok()
                          ? ""
                          : pack_payload((is_response ? message.result : message.params).object);
  return std::to_string(static_cast<int>(message.type)) + " " + std::to_string(message.msgid) +
         " " + message.method + " " + std::string(error_kind_name(message.error.kind())) + " " +
         message.error.message() + " " + value;
}

struct Decoded {
  std::vector<RpcMessage> messages;
  std::vector<std::string> lines;
  std::string outcome;  // "more" or the error
};

// Drains every complete message; returns false once the stream is broken.
bool drain(FrameDecoder& decoder, Decoded* decoded) {
  for (;;) {
    auto next = decoder.next();
    if (!next.is_ok()) {
      decoded->outcome = next.status().message();
      return false;
    }
    if (!next->has_value()) return true;
    decoded->lines.push_back(summary(**next));
    decoded->messages.push_back(std::move(**next));
  }
}

Decoded decode(const std::string& stream, uint32_t seed) {
  FrameDecoder decoder;
  Decoded decoded;
  decoded.outcome = "more";
  size_t offset = 0;
  while (offset < stream.size()) {
    // xorshift: chunks of 1 to 64 bytes, the size a slow peer would send.
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    size_t chunk = seed == 0 ? stream.size() : 1 + seed % 64;
    if (chunk > stream.size() - offset) chunk = stream.size() - offset;
    decoder.feed(stream.data() + offset, chunk);
    offset += chunk;
    if (!drain(decoder, &decoded)) return decoded;
  }
  drain(decoder, &decoded);
  return decoded;
}

std::string reencode(const RpcMessage& message) {
  auto packed = [](const RpcValue& value) { return pack_payload(value.object); };
  switch (message.type) {
    case RpcMessage::Type::kRequest:
      return encode_request(message.msgid, message.method, packed(message.params));
    case RpcMessage::Type::kResponse:
      return encode_response(message.msgid, message.error, packed(message.result));
    case RpcMessage::Type::kNotification:
      return encode_notification(message.method, packed(message.params));
  }
  return "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  Decoded whole = decode(stream, 0);
  Decoded chunked = decode(stream, 0x9e3779b9u * (data[0] + 1));
  FUZZ_CHECK(whole.lines == chunked.lines, "messages differ by chunking");
  FUZZ_CHECK(whole.outcome == chunked.outcome, whole.outcome + " vs " + chunked.outcome);
  for (size_t i = 0; i < whole.messages.size(); ++i) {
    Decoded again = decode(reencode(whole.messages[i]), 0);
    FUZZ_CHECK(again.messages.size() == 1, "re-encoded message: " + again.outcome);
    FUZZ_CHECK(again.lines[0] == whole.lines[i], again.lines[0] + " vs " + whole.lines[i]);
  }
  return 0;
}
