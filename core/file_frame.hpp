// The frame around every file that must come back exactly as it was written
// (the master's registry, the agent's checkpoints): a fixed header with a
// CRC-32C, then the payload. A file with one byte changed anywhere is refused
// instead of loading with different contents. The layout is in
// docs/PROTOCOL.md ("On disk"):
//
//   offset  size  field
//   0       4     magic C1 C1 63 66 (0xC1, never a msgpack byte, twice; "cf")
//   4       4     frame version, little-endian: 1
//   8       8     payload length in bytes, little-endian
//   16      4     CRC-32C of bytes 0..15 and of the payload, little-endian
//   20      n     payload
//
// Files written before frames existed are recognized by a caller's test of
// their first bytes (a msgpack map, a text boot id) and read as they are;
// the next write frames them. Pure functions: thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace clusterctl {

inline constexpr uint32_t kFileFrameVersion = 1;
inline constexpr size_t kFileFrameHeaderSize = 20;

// The payload in its frame.
std::string frame_file(std::string_view payload);

struct UnframedFile {
  std::string_view payload;  // into the bytes given
  bool legacy = false;       // written before frames: no checksum was checked
};

// Checks the frame and returns its payload. Errors (the file is named by the
// caller): kIoError "checksum mismatch", "truncated: ...", "not a clusterctl
// data file ..." for corrupt files; kFailedPrecondition for a frame version
// newer than this clusterctl reads. Bytes without the magic that
// `is_legacy` accepts are returned as they are, with legacy set.
StatusOr<UnframedFile> unframe_file(std::string_view bytes,
                                    const std::function<bool(std::string_view)>& is_legacy);

// What today's msgpack files start with: a map (0x80-0x8f, 0xde, 0xdf).
bool starts_like_msgpack_map(std::string_view bytes);

}  // namespace clusterctl
