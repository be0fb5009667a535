// FrameScanner: finds where one msgpack value (an RPC frame) ends in a byte
// stream that arrives in pieces, without building any object. It reads only
// the type headers (skipping string, binary and extension payloads), keeps a
// stack of the element counts still expected, and checks the frame's limits
// as it goes, so an unfinished frame costs the bytes received and nothing
// more; only a whole frame is unpacked (by FrameDecoder).
//
// Incremental: each scan() resumes where the last one stopped, so a frame
// arriving in many reads is read once. Plain value; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.hpp"

namespace clusterctl {

struct FrameLimits {
  size_t max_bytes = 16 * 1024 * 1024;  // the whole frame
  size_t max_objects = 1 << 21;         // values of every kind in the frame, all levels
  size_t max_container = 1 << 20;       // elements of one array (pairs of one map)
  size_t max_depth = 64;                // arrays and maps nested in one another
};

class FrameScanner {
 public:
  explicit FrameScanner(FrameLimits limits = {}) : limits_(limits) {}

  // `data` holds the first `size` bytes of the frame (always from its start,
  // more each call). Returns the frame's length once it is whole (the bytes
  // after it belong to the next frame), 0 while more are needed, or a
  // protocol error naming the limit or the malformed byte.
  StatusOr<size_t> scan(const char* data, size_t size);
  // Forgets the frame: the next scan() starts a new one.
  void reset();
  void set_max_bytes(size_t max_bytes) { limits_.max_bytes = max_bytes; }
  const FrameLimits& limits() const { return limits_; }

  // Of the frame scanned so far: its values, and the bytes of its strings,
  // binaries and extensions (together: what unpacking it will allocate).
  size_t objects() const { return objects_; }
  size_t payload_bytes() const { return payload_bytes_; }

 private:
  // One type header at data[pos_]: false if its bytes are not all here.
  StatusOr<bool> read_header(const unsigned char* data, size_t size);
  void element_done();

  FrameLimits limits_;
  size_t pos_ = 0;              // where the next header starts (may pass the bytes received)
  std::vector<uint64_t> open_;  // elements still expected by each open array or map
  size_t objects_ = 0;
  size_t payload_bytes_ = 0;
  bool complete_ = false;
};

}  // namespace clusterctl
