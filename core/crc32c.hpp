// CRC-32C (Castagnoli: polynomial 0x1EDC6F41, reflected, initial and final
// XOR 0xFFFFFFFF), the checksum of the on-disk frame (core/file_frame.hpp),
// computed by Boost.CRC's table-driven crc_optimal. crc32c("123456789") is
// 0xE3069283. Thread-safety: a Crc32c is a value; distinct ones are
// independent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/crc.hpp>

namespace clusterctl {

// A running CRC-32C over pieces fed in order.
class Crc32c {
 public:
  void update(const void* data, size_t size) { crc_.process_bytes(data, size); }
  void update(std::string_view data) { update(data.data(), data.size()); }
  uint32_t value() const { return crc_.checksum(); }

 private:
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc_;
};

inline uint32_t crc32c(std::string_view data) {
  Crc32c crc;
  crc.update(data);
  return crc.value();
}

}  // namespace clusterctl
