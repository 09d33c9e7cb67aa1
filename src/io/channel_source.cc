#include "io/channel_source.h"

#include <chanload/errors.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include "io/fifo_source.h"
#include "io/listing.h"
#include "io/parallel_zstd_source.h"
#include "io/read_ahead_source.h"
#include "io/stop_signal.h"

namespace chanload::io {
namespace {

// One reader per Pipe-mode channel in a process: two readers would each get part of every epoch.
std::mutex g_fifo_readers_mutex;
std::set<std::string> g_fifo_readers;

}  // namespace

InputMode resolve_read_mode(const ChannelConfig& channel, std::optional<InputMode> requested) {
  const InputMode configured = channel.mode == InputMode::kFastFile ? InputMode::kFile : channel.mode;
  if (!requested) return configured;
  const InputMode wanted = *requested == InputMode::kFastFile ? InputMode::kFile : *requested;
  if (channel.mode_configured && wanted != configured) {
    throw ConfigError("channel \"" + channel.name + "\": inputdataconfig.json says TrainingInputMode \"" +
                      std::string(to_string(channel.mode)) + "\"; refusing to read it in " +
                      std::string(to_string(wanted)) + " mode");
  }
  return wanted;
}

ChannelSource::ChannelSource(const Environment& environment, std::string_view channel,
                             ChannelReadOptions options)
    : ChannelSource(environment.channel(channel), std::move(options)) {}

ChannelSource::ChannelSource(const ChannelConfig& channel, ChannelReadOptions options)
    : channel_(channel),
      options_(std::move(options)),
      mode_(resolve_read_mode(channel_, options_.mode)),
      epoch_(options_.start_epoch) {
  if (options_.chunk_bytes == 0) throw ConfigError("chunk_bytes must be positive");
  if (!options_.stop) options_.stop = std::make_shared<StopSignal>();
  cache_ = options_.cache ? options_.cache : std::make_shared<ReaderCache>();
  if (mode_ == InputMode::kPipe) {
    std::lock_guard lock(g_fifo_readers_mutex);
    if (!g_fifo_readers.insert(channel_.path.string()).second) {
      throw ConfigError("channel \"" + channel_.name +
                        "\" (Pipe mode) already has a reader in this process; a second "
                        "one would take bytes from the first's epochs");
    }
    registered_fifo_prefix_ = true;
  } else if (options_.objects) {
    objects_ = *options_.objects;
  } else {
    objects_ = list_channel_objects(channel_, options_.listing);
    if (options_.byte_range) objects_ = byte_range_parts(channel_, objects_, *options_.byte_range);
  }
}

std::vector<ChannelObject> list_channel_objects(const ChannelConfig& channel, const ListingOptions& listing) {
  const std::vector<std::string> files = list_channel_files(channel.path.string(), listing);
  std::vector<ChannelObject> objects;
  objects.reserve(files.size());
  for (const std::string& file : files) {
    std::error_code error;
    const std::uint64_t size = std::filesystem::file_size(file, error);
    objects.push_back(ChannelObject{file, error ? 0 : size, false, StreamRange{}});
  }
  return objects;
}

std::vector<ChannelObject> byte_range_parts(const ChannelConfig& channel,
                                            const std::vector<ChannelObject>& objects,
                                            const ByteRangeShard& shard) {
  if (shard.num_shards == 0 || shard.shard_index >= shard.num_shards)
    throw ConfigError("byte-range shard " + std::to_string(shard.shard_index) + " of " +
                      std::to_string(shard.num_shards));
  if (channel.compression != Compression::kNone) {
    throw ConfigError(
        "channel \"" + channel.name +
        "\" has CompressionType Gzip: byte ranges of compressed data cannot be read on their own; "
        "shard by record instead");
  }
  std::vector<std::uint64_t> sizes;
  std::uint64_t total = 0;
  for (const ChannelObject& object : objects) {
    const std::string& file = object.path;
    std::error_code error;
    const std::uint64_t size = std::filesystem::file_size(file, error);
    if (error) throw IoError(file + ": " + error.message(), file);
    // Compressed bytes cannot be cut into ranges: look at the file's first bytes.
    std::ifstream in(file, std::ios::binary);
    std::array<char, kCompressionMagicBytes> magic{};
    in.read(magic.data(), magic.size());
    const DetectedCompression detected =
        detect_compression(std::as_bytes(std::span(magic.data(), static_cast<std::size_t>(in.gcount()))));
    const bool gzip = detected == DetectedCompression::kGzip;
    const bool zstd = detected == DetectedCompression::kZstd;
    if (gzip || zstd) {
      throw DataError(file + ": " + (gzip ? "gzip" : "zstd") +
                          " data cannot be read by byte range (each shard would need the whole stream); "
                          "shard by record instead",
                      file, 0);
    }
    sizes.push_back(size);
    total += size;
  }
  __extension__ using Wide = unsigned __int128;  // total * k may pass 64 bits
  const auto share = [&](std::size_t k) {
    return static_cast<std::uint64_t>((static_cast<Wide>(total) * k) / shard.num_shards);
  };
  const std::uint64_t first = share(shard.shard_index);
  const std::uint64_t last = share(shard.shard_index + 1);
  std::vector<ChannelObject> kept;
  std::uint64_t at = 0;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    const std::uint64_t file_begin = at;
    const std::uint64_t file_end = at + sizes[i];
    at = file_end;
    const std::uint64_t begin = std::max(first, file_begin);
    const std::uint64_t end = std::min(last, file_end);
    if (begin >= end) continue;
    StreamRange range;
    range.begin = begin - file_begin;
    range.end = end - file_begin;
    range.read_from = range.begin > 0 ? range.begin - 1 : 0;
    kept.push_back(ChannelObject{objects[i].path, sizes[i], true, range});
  }
  return kept;
}

void ChannelSource::skip_stream() {
  if (stream_) skipping_ = true;
}

ChannelSource::~ChannelSource() {
  stream_.reset();
  if (registered_fifo_prefix_) {
    std::lock_guard lock(g_fifo_readers_mutex);
    g_fifo_readers.erase(channel_.path.string());
  }
}

std::string ChannelSource::fifo_path(std::uint64_t epoch) const {
  return channel_.path.string() + "_" + std::to_string(epoch);
}

// Opens the next file of this epoch (or the epoch's FIFO), moving to the next epoch when this one
// is done. False when every epoch has been read.
bool ChannelSource::open_next_stream() {
  while (true) {
    if (options_.epochs != 0 && epoch_ >= options_.start_epoch + options_.epochs) return false;
    if (options_.stop->stop_requested()) throw StoppedError("channel \"" + channel_.name + "\": stopped");
    if (mode_ == InputMode::kPipe) {
      if (epoch_open_) {  // this epoch's FIFO has been read: the next epoch is the next FIFO
        epoch_open_ = false;
        ++epoch_;
        continue;
      }
      origin_ = fifo_path(epoch_);
      FifoReadOptions fifo;
      fifo.timeout = options_.pipe_timeout;
      fifo.chunk_bytes = options_.chunk_bytes;
      fifo.stop = options_.stop;
      if (options_.read_ahead_pieces != 0 || options_.zstd_frame_threads > 1)
        fifo.stream_stop = std::make_shared<StopSignal>();
      stream_ = read_ahead(decompressed(open_fifo_source(origin_, fifo), fifo.stream_stop), fifo.stream_stop);
      epoch_open_ = true;
      stream_index_ = 0;
      stream_first_line_ = 0;
      return true;
    }
    if (next_file_ >= objects_.size()) {
      next_file_ = 0;
      ++epoch_;
      if (objects_.empty() && options_.epochs == 0) return false;  // nothing to repeat forever
      continue;
    }
    stream_index_ = next_file_;
    const ChannelObject& object = objects_[next_file_++];
    origin_ = object.path;
    FileReadOptions file;
    file.chunk_bytes = options_.chunk_bytes;
    file.backend = options_.backend;
    file.cache = cache_;
    stream_first_line_ = object.ranged ? object.first_line : 0;
    if (object.ranged) {
      stream_range_ = object.range;
      file.begin = stream_range_.read_from;
      stream_ = open_file_source(origin_, file);  // checked uncompressed when planned
    } else {
      stream_range_ = StreamRange{};
      stream_ = read_ahead(decompressed(open_file_source(origin_, file), nullptr), nullptr);
    }
    return true;
  }
}

std::unique_ptr<ByteSource> ChannelSource::decompressed(
    std::unique_ptr<ByteSource> stream, const std::shared_ptr<StopSignal>& stream_stop) const {
  ParallelZstdOptions frames;
  frames.threads = options_.zstd_frame_threads;
  frames.output_chunk_bytes = options_.chunk_bytes;
  frames.output_budget_bytes = options_.zstd_frame_budget_bytes;
  frames.input_budget_bytes = options_.zstd_frame_budget_bytes / 4;
  frames.stream_stop = stream_stop;
  frames.cpu = options_.helper_cpu;
  return decompressing(std::move(stream), options_.compression, options_.chunk_bytes, cache_,
                       options_.plain_signature, frames.threads > 1 ? &frames : nullptr);
}

std::unique_ptr<ByteSource> ChannelSource::read_ahead(std::unique_ptr<ByteSource> stream,
                                                      std::shared_ptr<StopSignal> stream_stop) const {
  if (options_.read_ahead_pieces == 0 || !decompresses(*stream))
    return stream;  // plain bytes: nothing to overlap
  if (dynamic_cast<const ParallelZstdSource*>(stream.get()) != nullptr)
    return stream;  // decoded ahead on threads of its own already
  return std::make_unique<ReadAheadSource>(std::move(stream), options_.read_ahead_pieces,
                                           std::move(stream_stop), options_.helper_cpu);
}

std::optional<Chunk> ChannelSource::next() {
  if (!stream_) {
    if (!open_next_stream()) return std::nullopt;
    stream_offset_ = stream_range_.read_from;
  }
  Chunk chunk;
  chunk.origin = &origin_;
  chunk.epoch = epoch_;
  chunk.stream_index = stream_index_;
  chunk.offset = stream_offset_;
  chunk.first_line = stream_first_line_;
  chunk.bytes = skipping_ ? std::span<const std::byte>{} : stream_->next();
  if (chunk.bytes.empty()) {
    skipping_ = false;
    chunk.end_of_stream = true;
    stream_.reset();
  }
  stream_offset_ += chunk.bytes.size();
  return chunk;
}

}  // namespace chanload::io
