// FrameScanner and the FrameDecoder's memory: a frame's end is found from its
// headers alone, its limits are checked before it is whole, and an
// unfinished frame costs the bytes received, not the objects they describe.
#include "core/rpc/frame_scanner.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <map>

#include "core/rpc/message.hpp"

namespace clusterctl {
namespace {

// Every msgpack type, with each length form of strings, binaries, arrays and maps.
std::string every_type() {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  packer.pack_array(20);
  packer.pack(1);
  packer.pack(-1);
  packer.pack(200);
  packer.pack(-200);
  packer.pack(70000);
  packer.pack(int64_t{1} << 40);
  packer.pack(-(int64_t{1} << 40));
  packer.pack(1.5f);
  packer.pack(2.5);
  packer.pack_nil();
  packer.pack(true);
  packer.pack(std::string(10, 's'));
  packer.pack(std::string(300, 's'));
  packer.pack(std::string(70000, 's'));
  packer.pack_bin(3);
  packer.pack_bin_body("abc", 3);
  packer.pack_ext(4, 7);
  packer.pack_ext_body("wxyz", 4);
  packer.pack_ext(300, 7);
  packer.pack_ext_body(std::string(300, 'e').data(), 300);
  packer.pack(std::vector<int>(20, 1));
  packer.pack(std::vector<int>(70000, 1));
  packer.pack(std::map<std::string, int>{{"a", 1}, {"b", 2}});
  return std::string(buffer.data(), buffer.size());
}

TEST(FrameScanner, FindsTheEndOfEveryTypeByteByByte) {
  std::string frame = every_type();
  std::string stream = frame + "\x91\x01";  // the next frame follows at once
  FrameScanner scanner;
  for (size_t size = 1; size < frame.size(); ++size) {
    auto found = scanner.scan(stream.data(), size);
    ASSERT_TRUE(found.is_ok()) << found.status().message();
    ASSERT_EQ(*found, 0u) << "at " << size;
  }
  auto found = scanner.scan(stream.data(), stream.size());
  ASSERT_TRUE(found.is_ok());
  EXPECT_EQ(*found, frame.size());
  EXPECT_EQ(scanner.objects(), 1u + 20 + 20 + 70000 + 4);
  scanner.reset();
  EXPECT_EQ(*scanner.scan(stream.data() + frame.size(), 2), 2u);
}

TEST(FrameScanner, RefusesWhatPassesTheLimitsBeforeTheFrameIsWhole) {
  FrameLimits limits{1 << 20, 100, 50, 4};
  auto error_of = [&](const std::string& bytes) {
    FrameScanner scanner(limits);
    auto found = scanner.scan(bytes.data(), bytes.size());
    return found.is_ok() ? std::string() : found.status().message();
  };
  // 40 arrays of two nils: 121 values, unfinished.
  std::string many("\xdc\x00\x28", 3);
  for (int i = 0; i < 40; ++i) many += std::string("\x92\xc0\xc0", 3);
  EXPECT_NE(error_of(many).find("more than 100 values"), std::string::npos);
  EXPECT_NE(error_of(std::string("\xdc\x00\x33", 3)).find("51 elements"), std::string::npos);
  EXPECT_NE(error_of(std::string("\x91\x91\x91\x91\x91", 5)).find("deeper than 4"),
            std::string::npos);
  EXPECT_EQ(error_of(std::string("\x91\x91\x91\x91\xc0", 5)), "");
  EXPECT_NE(error_of(std::string("\xdb\x00\x20\x00\x00", 5)).find("exceeds 1048576 bytes"),
            std::string::npos);
  EXPECT_NE(error_of(std::string("\x92\xc0\xc1", 3)).find("0xc1 at offset 2"), std::string::npos);
}

// Bytes in use by malloc (the main arena and mmapped blocks).
size_t heap_in_use() {
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

// 16 bytes each: an array of 15 nils, which unpacked costs 16 msgpack::objects.
std::string tiny_arrays(size_t count) {
  std::string bytes;
  for (size_t i = 0; i < count; ++i) bytes += "\x9f" + std::string(15, '\xc0');
  return bytes;
}

TEST(FrameDecoder, AnUnfinishedFrameCostsTheBytesReceived) {
  // [0, 1, "x", [[...]]] announcing 120,001 arrays, of which 120,000 come
  // (1.9 MB, 1.92 million values: just under kMaxFrameObjects).
  std::string head("\x94\x00\x01\xa1x\x91\xdd\x00\x01\xd4\xc1", 11);
  std::string body = tiny_arrays(120000);
  size_t before = heap_in_use();
  FrameDecoder decoder;
  decoder.feed(head.data(), head.size());
  for (size_t sent = 0; sent < body.size(); sent += 16384) {
    decoder.feed(body.data() + sent, std::min<size_t>(16384, body.size() - sent));
    auto next = decoder.next();
    ASSERT_TRUE(next.is_ok()) << next.status().message();
    ASSERT_FALSE(next->has_value());
  }
  EXPECT_EQ(decoder.pending_bytes(), head.size() + body.size());
  EXPECT_LE(decoder.held_bytes(), decoder.pending_bytes() + (1 << 20));
  // Unpacked, those arrays would take 1,920,000 objects of 24 bytes (46 MB).
  EXPECT_LT(heap_in_use() - before, decoder.pending_bytes() + (2 << 20));
}

TEST(FrameDecoder, GivesItsBufferBackOnceALargeFrameIsRead) {
  std::string frame = encode_request(
      1, "big", pack_payload(std::map<std::string, std::string>{{"x", std::string(4 << 20, 'y')}}));
  FrameDecoder decoder;
  std::optional<RpcMessage> message;
  for (size_t sent = 0; sent < frame.size(); sent += 16384) {
    decoder.feed(frame.data() + sent, std::min<size_t>(16384, frame.size() - sent));
    auto next = decoder.next();
    ASSERT_TRUE(next.is_ok()) << next.status().message();
    if (next->has_value()) message = std::move(**next);
  }
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->method, "big");
  EXPECT_EQ(decoder.pending_bytes(), 0u);
  EXPECT_LE(decoder.held_bytes(), 64u * 1024);
}

TEST(FrameDecoder, TooManyValuesInOneFrameIsAnError) {
  // Three arrays of 2^20 nils: more than kMaxFrameObjects values, each one
  // byte, so the frame is well under 16 MiB.
  std::string frame("\x94\x00\x01\xa1x\x91\x93", 7);
  for (int i = 0; i < 3; ++i)
    frame += std::string("\xdd\x00\x10\x00\x00", 5) + std::string(1 << 20, '\xc0');
  FrameDecoder decoder;
  decoder.feed(frame.data(), frame.size());
  auto next = decoder.next();
  ASSERT_FALSE(next.is_ok());
  EXPECT_NE(next.status().message().find("values"), std::string::npos) << next.status().message();
}

TEST(FrameDecoder, TheFrameLimitCanBeRaised) {
  std::string frame = encode_request(1, "m", pack_payload(std::vector<int>(2000, 1)));
  FrameDecoder decoder(1024);
  decoder.feed(frame.data(), 100);
  ASSERT_TRUE(decoder.next().is_ok());
  decoder.set_max_frame_bytes(kDefaultMaxFrameBytes);
  decoder.feed(frame.data() + 100, frame.size() - 100);
  auto next = decoder.next();
  ASSERT_TRUE(next.is_ok()) << next.status().message();
  EXPECT_TRUE(next->has_value());
}

}  // namespace
}  // namespace clusterctl
