#include "io/memory_chunks.h"

#include <algorithm>
#include <utility>

namespace chanload::io {

MemoryChunks::MemoryChunks(std::vector<MemoryStream> streams, std::size_t piece_bytes, bool mark_ends)
    : streams_(std::move(streams)),
      piece_bytes_(std::max<std::size_t>(piece_bytes, 1)),
      mark_ends_(mark_ends) {}

std::optional<Chunk> MemoryChunks::next() {
  marker_given_ = false;
  while (stream_ < streams_.size()) {
    const MemoryStream& stream = streams_[stream_];
    Chunk chunk;
    chunk.origin = stream.origin;
    chunk.offset = position_;
    chunk.stream_index = stream_;
    if (position_ < stream.bytes.size()) {
      const std::size_t size = std::min(piece_bytes_, stream.bytes.size() - position_);
      chunk.bytes = std::as_bytes(std::span(stream.bytes.data() + position_, size));
      position_ += size;
      return chunk;
    }
    ++stream_;
    position_ = 0;
    if (!mark_ends_) continue;
    chunk.end_of_stream = true;
    marker_given_ = true;
    return chunk;
  }
  return std::nullopt;
}

void MemoryChunks::skip_stream() {
  // After a stream's end marker the stream is already over: the next one must not be skipped.
  if (!marker_given_ && stream_ < streams_.size()) position_ = streams_[stream_].bytes.size();
}

}  // namespace chanload::io
