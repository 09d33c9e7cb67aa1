// Streaming decompression of a byte source, detected from its first bytes: gzip (1f 8b) through
// ISA-L's igzip, zstd (28 b5 2f fd) through libzstd. Concatenated gzip members and zstd frames are
// one stream. Memory is bounded whatever the headers say (gzip's window is 32 KiB; zstd windows
// above 128 MiB are refused).
#pragma once

#include <memory>

#include "io/byte_source.h"
#include "io/reader_cache.h"

namespace chanload::io {

enum class CompressionMode {
  kAuto,  // decide from the first bytes of each stream
  kNone,  // pass the bytes through, whatever they look like
  kGzip,  // must be gzip: a DataError otherwise
  kZstd,  // must be zstd: a DataError otherwise
};

// Wraps inner; the result reads the decompressed bytes (or inner's bytes, when not compressed).
// Corrupt or truncated data is a DataError naming the origin and the compressed offset. The output
// buffer comes from cache when one is given (it may be null).
std::unique_ptr<ByteSource> decompressing(std::unique_ptr<ByteSource> inner, CompressionMode mode,
                                          std::size_t output_chunk_bytes,
                                          std::shared_ptr<ReaderCache> cache = nullptr);

}  // namespace chanload::io
