// A channel as a stream of chunks, epoch after epoch: File mode reads every file of the channel in
// natural order once per epoch; Pipe mode reads the FIFO <channel>_<N> for epoch N. Each file or FIFO
// is decompressed when its bytes say so. The record framers consume this.
#pragma once

#include <chanload/environment.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/byte_source.h"
#include "io/chunk_stream.h"
#include "io/decompress.h"
#include "io/file_source.h"
#include "io/listing.h"
#include "io/thread_cpu.h"

namespace chanload::io {

class StopSignal;

// Byte-range sharding (File mode, uncompressed files): the channel's files laid end to end in
// natural order, and this reader's share of those bytes, [total*k/n, total*(k+1)/n).
struct ByteRangeShard {
  std::size_t num_shards = 1;
  std::size_t shard_index = 0;
};

// The part of one file a byte-range reader reads: records that start in [begin, end) are its own.
// Reading starts one byte early (read_from = begin - 1 when begin > 0) so that a reader of lines can
// tell a record that starts exactly at begin from the tail of one that started before.
struct StreamRange {
  std::uint64_t read_from = 0;
  std::uint64_t begin = 0;
  std::uint64_t end = UINT64_MAX;
};

// One object of a File-mode channel as a reader reads it: the file, its size at listing, and (byte-
// range sharding) the part of it that is this shard's.
struct ChannelObject {
  std::string path;
  std::uint64_t size = 0;
  bool ranged = false;  // read only range (uncompressed, checked when planned)
  StreamRange range;
  std::uint64_t first_line = 0;  // ranged: the line number at range.read_from when known (0: unknown)
};

struct ChannelReadOptions {
  // Read as File or Pipe mode; nullopt follows TrainingInputMode. An override that contradicts what
  // the config says is refused (ConfigError), so a File-mode channel is never waited on as a FIFO.
  std::optional<InputMode> mode;
  std::uint64_t epochs = 1;       // 0: until stopped
  std::uint64_t start_epoch = 0;  // resume: the first epoch read (Pipe mode: the first FIFO opened)
  std::chrono::milliseconds pipe_timeout{std::chrono::minutes(10)};
  std::size_t chunk_bytes = std::size_t{1} << 20;
  IoBackend backend = IoBackend::kAuto;
  CompressionMode compression = CompressionMode::kAuto;
  // What a plain stream of the channel's format may begin with (a TFRecord header): not compressed.
  PlainSignature plain_signature;
  ListingOptions listing;            // File mode
  std::shared_ptr<StopSignal> stop;  // may be null
  // Read only this share of the bytes (File mode; a compressed file is refused). Chunks keep the
  // files' own offsets.
  std::optional<ByteRangeShard> byte_range;
  // File mode: read exactly these objects in this order (each epoch) instead of listing the folder
  // (byte_range is then ignored: parts are already planned); the reader stage gives each reader one.
  std::optional<std::vector<ChannelObject>> objects;
  // A compressed stream is decompressed on a thread of its own, read_ahead_pieces chunks ahead of
  // the framing (io/read_ahead_source.h); 0: on the caller's thread. The reader stage asks for it
  // where it has threads to spare: Pipe mode's one FIFO, File mode with fewer objects than threads.
  std::size_t read_ahead_pieces = 0;
  // A zstd stream is decoded this many frames at once (io/parallel_zstd_source.h: SageMaker's Pipe
  // mode concatenates one frame or more per S3 object), holding at most zstd_frame_budget_bytes of
  // decoded bytes ahead and a quarter of that compressed; 0 or 1: one frame after the other. The
  // reader stage asks for it as for read_ahead_pieces.
  std::size_t zstd_frame_threads = 0;
  std::size_t zstd_frame_budget_bytes = std::size_t{64} << 20;
  // Buffers and io_uring ring kept from one stream to the next; null: the source keeps its own. A
  // reader thread that opens a source per object passes its own cache to each.
  std::shared_ptr<ReaderCache> cache;
  // The CPU time of the threads that read ahead or decode zstd frames goes here as each ends (the
  // reader stage counts it as its own work); may be null.
  CpuTally helper_cpu;
};

// The mode a read of the channel takes: File (FastFile too) or Pipe, as `requested` or, without it,
// as the config says; a request that contradicts the config is a ConfigError.
InputMode resolve_read_mode(const ChannelConfig& channel, std::optional<InputMode> requested);

// A File-mode channel's objects in natural order, with their sizes: its listing (list_channel_files).
std::vector<ChannelObject> list_channel_objects(const ChannelConfig& channel, const ListingOptions& listing);
// Byte-range sharding: this shard's parts of `objects` laid end to end (objects outside its share
// left out). A compressed object is refused (DataError naming it): its bytes cannot be cut.
std::vector<ChannelObject> byte_range_parts(const ChannelConfig& channel,
                                            const std::vector<ChannelObject>& objects,
                                            const ByteRangeShard& shard);

class ChannelSource final : public ChunkStream {
 public:
  ChannelSource(const Environment& environment, std::string_view channel, ChannelReadOptions options);
  ChannelSource(const ChannelConfig& channel, ChannelReadOptions options);
  ~ChannelSource() override;
  ChannelSource(const ChannelSource&) = delete;
  ChannelSource& operator=(const ChannelSource&) = delete;

  // The next chunk, or nullopt after the last epoch.
  std::optional<Chunk> next() override;

  [[nodiscard]] InputMode mode() const { return mode_; }
  // The epoch being read (Pipe mode: the FIFO index); an epoch is spent only once its FIFO is open.
  [[nodiscard]] std::uint64_t epoch() const { return epoch_; }
  [[nodiscard]] std::string fifo_path(std::uint64_t epoch) const;
  // The byte range of the stream being read (whole files without byte_range).
  [[nodiscard]] const StreamRange& stream_range() const { return stream_range_; }
  // Drops the rest of the current stream: the next chunk is the end-of-stream marker.
  void skip_stream() override;

 private:
  bool open_next_stream();
  // stream read ahead on a thread of its own when asked and when it decompresses.
  [[nodiscard]] std::unique_ptr<ByteSource> read_ahead(std::unique_ptr<ByteSource> stream,
                                                       std::shared_ptr<StopSignal> stream_stop) const;
  // The stream decompressed: zstd's frames decoded in parallel when asked (with stream_stop).
  [[nodiscard]] std::unique_ptr<ByteSource> decompressed(
      std::unique_ptr<ByteSource> stream, const std::shared_ptr<StopSignal>& stream_stop) const;

  ChannelConfig channel_;
  ChannelReadOptions options_;
  InputMode mode_;
  std::vector<ChannelObject> objects_;  // File mode
  StreamRange stream_range_;
  bool skipping_ = false;
  std::uint64_t epoch_;
  std::size_t next_file_ = 0;
  bool epoch_open_ = false;
  std::shared_ptr<ReaderCache> cache_;  // kept across streams
  std::unique_ptr<ByteSource> stream_;
  std::string origin_;
  std::uint64_t stream_offset_ = 0;
  std::size_t stream_index_ = 0;
  std::uint64_t stream_first_line_ = 0;
  bool registered_fifo_prefix_ = false;
};

}  // namespace chanload::io
