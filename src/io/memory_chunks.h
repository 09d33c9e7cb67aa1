// Bytes already in memory as a ChunkStream: each stream lent (not copied) in pieces of at most
// piece_bytes, as ChannelSource hands out a file's decompressed bytes, then its end-of-stream marker.
// The sizing harness and the benchmarks frame through RecordReader over it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/chunk_stream.h"

namespace chanload::io {

struct MemoryStream {
  std::string_view bytes;               // must outlive the MemoryChunks
  const std::string* origin = nullptr;  // likewise
};

class MemoryChunks final : public ChunkStream {
 public:
  // mark_ends false: a stream ends without its marker, as a prefix cut off mid-record does, so a
  // record the cut leaves unfinished is not read (with the marker it is a DataError, or for a last
  // line without its newline a record). For one stream only: without markers, a reader would run a
  // record on from one stream into the next.
  explicit MemoryChunks(std::vector<MemoryStream> streams, std::size_t piece_bytes = std::size_t{1} << 20,
                        bool mark_ends = true);

  std::optional<Chunk> next() override;
  void skip_stream() override;

 private:
  std::vector<MemoryStream> streams_;
  std::size_t piece_bytes_;
  bool mark_ends_;
  std::size_t stream_ = 0;
  std::size_t position_ = 0;
  bool marker_given_ = false;  // the last chunk handed out was an end-of-stream marker
};

}  // namespace chanload::io
