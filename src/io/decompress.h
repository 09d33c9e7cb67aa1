// Streaming decompression of a byte source, detected from its first bytes: gzip (1f 8b) through
// ISA-L's igzip, zstd (28 b5 2f fd, or a skippable frame 5? 2a 4d 18 first, as pzstd writes) through libzstd.
// Concatenated gzip members and zstd frames are one stream. Memory is bounded whatever the headers say
// (gzip's window is 32 KiB; zstd windows above 128 MiB are refused).
#pragma once

#include <cstddef>
#include <memory>
#include <span>

#include "io/byte_source.h"
#include "io/parallel_zstd_source.h"
#include "io/reader_cache.h"

namespace chanload::io {

enum class CompressionMode {
  kAuto,  // decide from the first bytes of each stream
  kNone,  // pass the bytes through, whatever they look like
  kGzip,  // must be gzip: a DataError otherwise
  kZstd,  // must be zstd: a DataError otherwise
};

// A plain stream of the channel's format may begin with bytes that look like a compression magic: a
// TFRecord file whose first record's length has low bytes 1f 8b (about one file in 65,536). When
// `matches` accepts the stream's first `bytes` bytes, the stream is read as it is (CompressionMode
// kAuto only). A TFRecord header's masked CRC of its length makes a false match 1 in 2^32.
struct PlainSignature {
  std::size_t bytes = 0;
  bool (*matches)(std::span<const std::byte> prefix) = nullptr;
};

// What a stream's first bytes say it is: gzip (1f 8b), zstd (28 b5 2f fd, or a skippable frame
// first), or neither. The one check every reader of magics uses (decompressing(), byte-range
// planning). Four bytes decide.
enum class DetectedCompression { kNone, kGzip, kZstd };
inline constexpr std::size_t kCompressionMagicBytes = 4;
[[nodiscard]] DetectedCompression detect_compression(std::span<const std::byte> prefix);

// Wraps inner; the result reads the decompressed bytes (or inner's bytes, when not compressed).
// Corrupt or truncated data is a DataError naming the origin and the compressed offset. The output
// buffer comes from cache when one is given (it may be null). With parallel_zstd (threads > 1), a
// zstd stream is decoded several frames at once on threads of its own (io/parallel_zstd_source.h).
std::unique_ptr<ByteSource> decompressing(std::unique_ptr<ByteSource> inner, CompressionMode mode,
                                          std::size_t output_chunk_bytes,
                                          std::shared_ptr<ReaderCache> cache = nullptr,
                                          PlainSignature plain = {},
                                          const ParallelZstdOptions* parallel_zstd = nullptr);

// Whether a source made by decompressing() decompresses (gzip or zstd) rather than passing bytes on.
[[nodiscard]] bool decompresses(const ByteSource& source);

}  // namespace chanload::io
