#include "core/file_frame.hpp"

#include "core/crc32c.hpp"

namespace clusterctl {

namespace {

constexpr char kMagic[4] = {'\xC1', '\xC1', 'c', 'f'};
constexpr size_t kCrcOffset = 16;

void put_le(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

uint64_t get_le(std::string_view bytes, size_t offset, int size) {
  uint64_t value = 0;
  for (int i = 0; i < size; ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  }
  return value;
}

uint32_t frame_crc(std::string_view header, std::string_view payload) {
  Crc32c crc;
  crc.update(header.substr(0, kCrcOffset));
  crc.update(payload);
  return crc.value();
}

}  // namespace

std::string frame_file(std::string_view payload) {
  std::string out;
  out.reserve(kFileFrameHeaderSize + payload.size());
  out.append(kMagic, sizeof(kMagic));
  put_le(out, kFileFrameVersion, 4);
  put_le(out, payload.size(), 8);
  put_le(out, frame_crc(out, payload), 4);
  out.append(payload);
  return out;
}

StatusOr<UnframedFile> unframe_file(std::string_view bytes,
                                    const std::function<bool(std::string_view)>& is_legacy) {
  if (bytes.substr(0, sizeof(kMagic)) != std::string_view(kMagic, sizeof(kMagic))) {
    if (is_legacy && is_legacy(bytes)) return UnframedFile{bytes, true};
    return Status::io_error(bytes.empty() ? "the file is empty"
                                          : "not a clusterctl data file (no frame header)");
  }
  if (bytes.size() < kFileFrameHeaderSize) {
    return Status::io_error("truncated: " + std::to_string(bytes.size()) +
                            " bytes, shorter than the frame header");
  }
  uint64_t length = get_le(bytes, 8, 8);
  uint64_t found = bytes.size() - kFileFrameHeaderSize;
  if (length != found) {
    return Status::io_error((length > found ? "truncated: " : "length mismatch: ") +
                            std::string("the header says ") + std::to_string(length) +
                            " payload bytes, the file holds " + std::to_string(found));
  }
  std::string_view payload = bytes.substr(kFileFrameHeaderSize);
  uint32_t stored = static_cast<uint32_t>(get_le(bytes, kCrcOffset, 4));
  if (stored != frame_crc(bytes, payload)) return Status::io_error("checksum mismatch");
  uint32_t version = static_cast<uint32_t>(get_le(bytes, 4, 4));
  if (version == 0) return Status::io_error("unknown frame version 0");
  if (version > kFileFrameVersion) {
    return Status::failed_precondition("has frame version " + std::to_string(version) +
                                       "; this clusterctl reads up to " +
                                       std::to_string(kFileFrameVersion));
  }
  return UnframedFile{payload, false};
}

bool starts_like_msgpack_map(std::string_view bytes) {
  if (bytes.empty()) return false;
  auto first = static_cast<unsigned char>(bytes[0]);
  return (first >= 0x80 && first <= 0x8f) || first == 0xde || first == 0xdf;
}

}  // namespace clusterctl
