// Records out of a channel: a Framer driven over a ChunkStream's chunks (a ChannelSource's, or bytes
// in memory for the sizing harness and the benchmarks: one framing loop for all of them). A record that lies
// within one chunk is lent straight from it (no copy); one that spans chunks is gathered into a buffer
// bounded by max_record_bytes. A record cut off by the end of its file or FIFO is a DataError
// (except a last line or CSV row without its newline, which is complete).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "format/framer.h"

namespace chanload::io {
class ChunkStream;
}

namespace chanload::format {

struct Record {
  std::span<const std::byte> payload;  // valid until the next call to RecordReader::next()
  RecordPlace place;
  std::uint64_t epoch = 0;
  std::size_t stream_index = 0;
};

struct RecordReaderStats {
  std::uint64_t records = 0;
  std::uint64_t payload_bytes = 0;
  std::uint64_t gathered_records = 0;  // records that spanned chunks and were copied once
};

class RecordReader {
 public:
  RecordReader(io::ChunkStream& source, RecordFormat format, const FramerOptions& options = {});

  // The next record, or nullopt when the channel has no more. Throws DataError naming the file or
  // FIFO, the byte offset of the record and (for text) its line.
  std::optional<Record> next();
  [[nodiscard]] const RecordReaderStats& stats() const { return stats_; }
  // The stream offset just past the last record returned (its framing included): where a prefix
  // cut after its last complete record ends.
  [[nodiscard]] std::uint64_t end_of_last_record() const { return end_of_last_record_; }
  // Drops the rest of the current file (byte-range sharding: the records after this shard's range);
  // the record last returned stays valid until next().
  void skip_stream();

 private:
  Record make_record(std::span<const std::byte> bytes);
  [[noreturn]] void rethrow_with_place(const std::exception& error, std::uint64_t offset_in_record) const;

  io::ChunkStream& source_;
  std::unique_ptr<Framer> framer_;
  FramerOptions options_;
  bool text_;                                        // records have line numbers
  std::optional<std::span<const std::byte>> piece_;  // the rest of the current chunk
  const std::string* origin_ = nullptr;
  std::uint64_t chunk_offset_ = 0;  // stream offset of piece_'s first byte
  std::uint64_t epoch_ = 0;
  std::size_t stream_index_ = 0;
  bool stream_ended_ = false;
  bool in_record_ = false;
  bool at_stream_start_ = true;
  bool lines_known_ = true;  // false when a stream starts mid-file: line numbers are unknown there
  RecordPlace record_place_;
  std::uint64_t next_line_ = 1;
  std::vector<std::byte> carry_;
  std::vector<std::byte> scratch_;
  RecordReaderStats stats_;
  std::uint64_t end_of_last_record_ = 0;
};

}  // namespace chanload::format
