// msgpack-RPC framing: encoding and the FrameDecoder against good, split,
// garbage, truncated and oversized input.
#include "core/rpc/message.hpp"

#include <gtest/gtest.h>

#include <map>

namespace clusterctl {
namespace {

struct Ping {
  std::string name;
  int count = 0;
  MSGPACK_DEFINE_MAP(name, count);
};

RpcMessage decode_one(const std::string& bytes) {
  FrameDecoder decoder;
  decoder.feed(bytes.data(), bytes.size());
  auto next = decoder.next();
  EXPECT_TRUE(next.is_ok()) << next.status().message();
  EXPECT_TRUE(next->has_value());
  return std::move(**next);
}

Status decode_error(const std::string& bytes, size_t max_frame = kDefaultMaxFrameBytes) {
  FrameDecoder decoder(max_frame);
  decoder.feed(bytes.data(), bytes.size());
  auto next = decoder.next();
  if (next.is_ok()) return Status::ok();
  return next.status();
}

std::string pack_value(const msgpack::object& object) {
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, object);
  return std::string(buffer.data(), buffer.size());
}

TEST(RpcMessage, RequestRoundTrip) {
  RpcMessage message = decode_one(encode_request(7, "state.tasks", pack_payload(Ping{"a", 3})));
  EXPECT_EQ(message.type, RpcMessage::Type::kRequest);
  EXPECT_EQ(message.msgid, 7u);
  EXPECT_EQ(message.method, "state.tasks");
  auto ping = message.params.as<Ping>();
  ASSERT_TRUE(ping.is_ok());
  EXPECT_EQ(ping->name, "a");
  EXPECT_EQ(ping->count, 3);
}

TEST(RpcMessage, ResponseCarriesResultOrError) {
  RpcMessage ok = decode_one(encode_response(9, Status::ok(), pack_payload(Ping{"b", 1})));
  EXPECT_EQ(ok.type, RpcMessage::Type::kResponse);
  EXPECT_EQ(ok.msgid, 9u);
  EXPECT_TRUE(ok.error.is_ok());
  EXPECT_EQ(ok.result.as<Ping>()->name, "b");

  RpcMessage failed =
      decode_one(encode_response(10, Status::not_found("unknown method 'x'"), Payload()));
  EXPECT_EQ(failed.error.kind(), ErrorKind::kNotFound);
  EXPECT_EQ(failed.error.message(), "unknown method 'x'");
  EXPECT_TRUE(failed.result.object.is_nil());
}

TEST(RpcMessage, NotificationRoundTrip) {
  RpcMessage message = decode_one(encode_notification("framework.offers", empty_payload()));
  EXPECT_EQ(message.type, RpcMessage::Type::kNotification);
  EXPECT_EQ(message.method, "framework.offers");
  EXPECT_EQ(message.params.object.type, msgpack::type::MAP);
}

TEST(RpcMessage, FramesSplitAcrossReadsAndPipelined) {
  std::string stream = encode_request(1, "a", empty_payload()) +
                       encode_notification("b", empty_payload()) +
                       encode_request(2, "c", empty_payload());
  FrameDecoder decoder;
  std::vector<std::string> methods;
  for (char byte : stream) {  // one byte at a time
    decoder.feed(&byte, 1);
    for (;;) {
      auto next = decoder.next();
      ASSERT_TRUE(next.is_ok()) << next.status().message();
      if (!next->has_value()) break;
      methods.push_back((*next)->method);
    }
  }
  EXPECT_EQ(methods, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(RpcMessage, TruncatedFrameWaitsForMoreBytes) {
  std::string frame = encode_request(1, "state.tasks", empty_payload());
  FrameDecoder decoder;
  decoder.feed(frame.data(), frame.size() - 1);
  auto next = decoder.next();
  ASSERT_TRUE(next.is_ok());
  EXPECT_FALSE(next->has_value());
  decoder.feed(frame.data() + frame.size() - 1, 1);
  next = decoder.next();
  ASSERT_TRUE(next.is_ok());
  EXPECT_TRUE(next->has_value());
}

TEST(RpcMessage, GarbageIsAnError) {
  Status error = decode_error(std::string("\x93\xc1\xc1\xc1", 4));  // 0xc1 is never valid
  EXPECT_EQ(error.kind(), ErrorKind::kProtocol);
}

TEST(RpcMessage, HugeDeclaredLengthsAreRefusedBeforeBuffering) {
  // An array32 claiming 4 billion elements is refused from its header alone.
  EXPECT_EQ(decode_error(std::string("\xdd\xff\xff\xff\xff", 5)).kind(), ErrorKind::kProtocol);
  // A str32 claiming 64 MiB is refused from its header too, before its bytes come.
  std::string big_string("\x94\x00\x01\xa1m\x91\xdb\x04\x00\x00\x00", 11);
  EXPECT_EQ(decode_error(big_string, 1024).kind(), ErrorKind::kProtocol);
  // One that fits in the cap waits for its bytes.
  std::string small_string("\x94\x00\x01\xa1m\x91\xda\x01\x00", 9);
  EXPECT_TRUE(decode_error(small_string, 1024).is_ok());
}

TEST(RpcMessage, OversizedFrameIsAnError) {
  std::string payload =
      pack_payload(std::map<std::string, std::string>{{"x", std::string(2000, 'y')}});
  std::string frame = encode_request(1, "big", payload);
  Status error = decode_error(frame, 1024);
  EXPECT_EQ(error.kind(), ErrorKind::kProtocol);
  EXPECT_NE(error.message().find("1024"), std::string::npos) << error.message();
}

TEST(RpcMessage, IncompleteFrameOverTheCapIsAnError) {
  // A frame that keeps growing without completing must not buffer forever.
  std::string frame = encode_request(1, "big", pack_payload(std::vector<int>(5000, 1)));
  Status error = decode_error(frame.substr(0, frame.size() - 1), 1024);
  EXPECT_EQ(error.kind(), ErrorKind::kProtocol);
}

TEST(RpcMessage, WrongShapesAreProtocolErrors) {
  msgpack::zone zone;
  auto frame = [&](auto value) { return pack_value(msgpack::object(value, zone)); };
  EXPECT_FALSE(decode_error(frame(std::string("hello"))).is_ok());          // not an array
  EXPECT_FALSE(decode_error(frame(std::vector<int>{0, 1})).is_ok());        // too short
  EXPECT_FALSE(decode_error(frame(std::vector<int>{5, 1, 2, 3})).is_ok());  // bad type
  EXPECT_FALSE(decode_error(frame(std::vector<int>{0, 1, 2, 3})).is_ok());  // method not str
  EXPECT_FALSE(decode_error(frame(std::make_tuple(0, -1, "m", std::vector<int>{}))).is_ok());
  EXPECT_FALSE(decode_error(frame(std::make_tuple(0, 1, "m", 5))).is_ok());  // params not array
  EXPECT_FALSE(decode_error(frame(std::make_tuple(2, "m"))).is_ok());        // short notify
  EXPECT_TRUE(decode_error(frame(std::make_tuple(0, 1, "m", std::vector<int>{}))).is_ok());
}

TEST(RpcMessage, DecoderStaysBrokenAfterAnError) {
  FrameDecoder decoder;
  decoder.feed("\xc1", 1);
  EXPECT_FALSE(decoder.next().is_ok());
  std::string good = encode_request(1, "a", empty_payload());
  decoder.feed(good.data(), good.size());
  EXPECT_FALSE(decoder.next().is_ok());
}

TEST(RpcMessage, ConversionErrorsNameWhatWasMalformed) {
  RpcMessage message = decode_one(encode_request(1, "m", pack_payload(std::vector<int>{1, 2})));
  auto ping = message.params.as<Ping>("ping call");
  ASSERT_FALSE(ping.is_ok());
  EXPECT_EQ(ping.status().kind(), ErrorKind::kProtocol);
  EXPECT_NE(ping.status().message().find("ping call"), std::string::npos);
}

}  // namespace
}  // namespace clusterctl
