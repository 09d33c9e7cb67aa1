// Bytes already in memory as a ByteSource, so the decompressors can be measured without I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "io/byte_source.h"
#include "io/reader_cache.h"

namespace chanload::sizing {

// Lends bytes (not copied; they must outlive the source) in pieces of at most piece_bytes.
std::unique_ptr<io::ByteSource> memory_source(std::string_view bytes, std::string origin,
                                              std::size_t piece_bytes = std::size_t{1} << 20);

// Decompresses stored (gzip or zstd, detected from its bytes; anything else passes through) and
// returns the size of the result, appending it to out when out is not null. A DataError names origin
// and the compressed offset of what is corrupt. The output buffer comes from cache when one is given.
std::uint64_t decompress_all(std::string_view stored, const std::string& origin, std::string* out,
                             std::shared_ptr<io::ReaderCache> cache = nullptr);

}  // namespace chanload::sizing
