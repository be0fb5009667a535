// The checksummed frame of files that must come back exactly (core/file_frame.hpp)
// and its CRC-32C: known answers, every changed byte and every truncation
// refused, files from before the frame still read.
#include "core/file_frame.hpp"

#include <gtest/gtest.h>

#include "core/crc32c.hpp"
#include "core/rpc/message.hpp"

namespace clusterctl {
namespace {

TEST(Crc32c, MatchesKnownAnswers) {
  EXPECT_EQ(crc32c(""), 0u);
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  // RFC 3720, B.4: 32 bytes of zeros, and of ones.
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  Crc32c pieces;
  pieces.update("1234");
  pieces.update("56789");
  EXPECT_EQ(pieces.value(), 0xE3069283u);
}

std::string sample_payload() {
  std::map<std::string, std::string> map = {{"agent", "agent-1"}, {"role", "analytics"}};
  return pack_payload(map);
}

TEST(FileFrame, WrapsThePayloadInAHeaderWithItsLengthAndChecksum) {
  std::string payload = sample_payload();
  std::string framed = frame_file(payload);
  ASSERT_EQ(framed.size(), kFileFrameHeaderSize + payload.size());
  EXPECT_EQ(framed.substr(0, 4), std::string("\xC1\xC1"
                                             "cf"));
  EXPECT_EQ(framed.substr(4, 4), std::string("\x01\x00\x00\x00", 4));
  EXPECT_EQ(static_cast<unsigned char>(framed[8]), payload.size());
  EXPECT_EQ(framed.substr(9, 7), std::string(7, '\0'));
  uint32_t crc = crc32c(framed.substr(0, 16) + payload);
  EXPECT_EQ(framed.substr(16, 4), std::string(reinterpret_cast<const char*>(&crc), 4));
  EXPECT_EQ(framed.substr(kFileFrameHeaderSize), payload);
  auto unframed = unframe_file(framed, starts_like_msgpack_map);
  ASSERT_TRUE(unframed.is_ok()) << unframed.status().message();
  EXPECT_EQ(unframed->payload, payload);
  EXPECT_FALSE(unframed->legacy);
}

TEST(FileFrame, EveryChangedByteIsRefused) {
  std::string framed = frame_file(sample_payload());
  int refused = 0;
  for (size_t at = 0; at < framed.size(); ++at) {
    for (unsigned char mask : {0x01, 0x10, 0x80, 0xFF}) {
      std::string changed = framed;
      changed[at] = static_cast<char>(changed[at] ^ mask);
      auto unframed = unframe_file(changed, starts_like_msgpack_map);
      // A changed first byte may look like a bare msgpack map: then the
      // second byte (0xC1, never valid msgpack) makes its decoding fail.
      if (unframed.is_ok()) {
        ASSERT_TRUE(unframed->legacy) << "byte " << at << " ^ " << int(mask) << " loaded";
        EXPECT_EQ(at, 0u);
        using Map = std::map<std::string, std::string>;
        EXPECT_FALSE(unpack_payload<Map>(changed).is_ok());
        continue;
      }
      EXPECT_EQ(unframed.status().kind(), ErrorKind::kIoError) << unframed.status().message();
      ++refused;
    }
  }
  EXPECT_GE(refused, static_cast<int>(framed.size() * 4 - 4));
  // In the payload, it is the checksum that tells.
  std::string changed = framed;
  changed.back() ^= 0x01;
  EXPECT_EQ(unframe_file(changed, starts_like_msgpack_map).status().message(), "checksum mismatch");
}

TEST(FileFrame, EveryTruncationAndExtraByteIsRefused) {
  std::string framed = frame_file(sample_payload());
  for (size_t size = 0; size < framed.size(); ++size) {
    auto unframed = unframe_file(framed.substr(0, size), starts_like_msgpack_map);
    EXPECT_FALSE(unframed.is_ok()) << "cut to " << size << " bytes";
  }
  EXPECT_EQ(
      unframe_file(framed.substr(0, framed.size() - 1), starts_like_msgpack_map).status().message(),
      "truncated: the header says " + std::to_string(sample_payload().size()) +
          " payload bytes, the file holds " + std::to_string(sample_payload().size() - 1));
  EXPECT_FALSE(unframe_file(framed + "x", starts_like_msgpack_map).is_ok());
  EXPECT_EQ(unframe_file("", starts_like_msgpack_map).status().message(), "the file is empty");
}

TEST(FileFrame, FilesFromBeforeTheFrameAreReadAsTheyAre) {
  std::string bare = sample_payload();
  auto unframed = unframe_file(bare, starts_like_msgpack_map);
  ASSERT_TRUE(unframed.is_ok()) << unframed.status().message();
  EXPECT_TRUE(unframed->legacy);
  EXPECT_EQ(unframed->payload, bare);
  // Not a map, not a frame: refused.
  auto other = unframe_file("\xc1 not msgpack", starts_like_msgpack_map);
  ASSERT_FALSE(other.is_ok());
  EXPECT_EQ(other.status().message(), "not a clusterctl data file (no frame header)");
  EXPECT_FALSE(unframe_file(bare, nullptr).is_ok()) << "no legacy format for this file";
}

TEST(FileFrame, ANewerFrameVersionAsksForAnUpgrade) {
  std::string framed = frame_file(sample_payload());
  framed[4] = 2;
  uint32_t crc = crc32c(framed.substr(0, 16) + framed.substr(kFileFrameHeaderSize));
  framed.replace(16, 4, reinterpret_cast<const char*>(&crc), 4);
  auto unframed = unframe_file(framed, starts_like_msgpack_map);
  ASSERT_FALSE(unframed.is_ok());
  EXPECT_EQ(unframed.status().kind(), ErrorKind::kFailedPrecondition);
  EXPECT_EQ(unframed.status().message(), "has frame version 2; this clusterctl reads up to 1");
}

}  // namespace
}  // namespace clusterctl
