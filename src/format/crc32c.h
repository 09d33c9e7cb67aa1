// CRC32C (Castagnoli), as TFRecord uses it: with the SSE4.2 instruction where the CPU has it (chosen
// at run time, so builds stay portable), a table otherwise.
#pragma once

#include <cstddef>
#include <cstdint>

namespace chanload::format {

std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc = 0);
std::uint32_t crc32c_portable(const void* data, std::size_t size, std::uint32_t crc = 0);

// TFRecord's masked CRC: ((c >> 15) | (c << 17)) + 0xA282EAD8.
inline std::uint32_t mask_crc(std::uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xA282EAD8U; }

}  // namespace chanload::format
