// What a RecordReader frames: a stream of chunks, stream after stream (files or FIFOs), each stream
// ending with a marker. ChannelSource reads a channel this way; MemoryChunks lends bytes already in
// memory the same way, so the benchmarks and the sizing harness drive the framing loop the loader
// ships instead of a copy of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace chanload::io {

// A piece of a stream, lent until the next call to ChunkStream::next().
struct Chunk {
  std::span<const std::byte> bytes;     // empty for the end-of-stream marker
  const std::string* origin = nullptr;  // the file or FIFO
  std::uint64_t offset = 0;             // of bytes[0] in the stream (decompressed bytes)
  std::uint64_t epoch = 0;
  std::size_t stream_index = 0;  // which file of the epoch (always 0 in Pipe mode)
  // The line number at offset's stream start when the stream starts mid-file and it is known (a
  // piece of a CSV object); 0 otherwise. A stream starting at offset 0 starts at line 1.
  std::uint64_t first_line = 0;
  bool end_of_stream = false;  // the marker after a stream's last piece: records cannot span it
};

class ChunkStream {
 public:
  virtual ~ChunkStream() = default;
  ChunkStream() = default;
  ChunkStream(const ChunkStream&) = delete;
  ChunkStream& operator=(const ChunkStream&) = delete;

  // The next chunk, or nullopt after the last stream.
  virtual std::optional<Chunk> next() = 0;
  // Drops the rest of the current stream: the next chunk is the end-of-stream marker.
  virtual void skip_stream() = 0;
};

}  // namespace chanload::io
