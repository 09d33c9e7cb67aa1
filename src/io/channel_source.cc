#include "io/channel_source.h"

#include <chanload/errors.h>

#include <mutex>
#include <set>

#include "io/fifo_source.h"
#include "io/listing.h"
#include "io/stop_signal.h"

namespace chanload::io {
namespace {

// One reader per Pipe-mode channel in a process: two readers would each get part of every epoch.
std::mutex g_fifo_readers_mutex;
std::set<std::string> g_fifo_readers;

InputMode resolve_mode(const ChannelConfig& channel, std::optional<InputMode> requested) {
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

}  // namespace

ChannelSource::ChannelSource(const Environment& environment, std::string_view channel,
                             ChannelReadOptions options)
    : channel_(environment.channel(channel)),
      options_(std::move(options)),
      mode_(resolve_mode(channel_, options_.mode)),
      epoch_(options_.start_epoch) {
  if (options_.chunk_bytes == 0) throw ConfigError("chunk_bytes must be positive");
  if (!options_.stop) options_.stop = std::make_shared<StopSignal>();
  if (mode_ == InputMode::kPipe) {
    std::lock_guard lock(g_fifo_readers_mutex);
    if (!g_fifo_readers.insert(channel_.path.string()).second) {
      throw ConfigError("channel \"" + channel_.name +
                        "\" (Pipe mode) already has a reader in this process; a second "
                        "one would take bytes from the first's epochs");
    }
    registered_fifo_prefix_ = true;
  } else {
    files_ = list_channel_files(channel_.path.string());
  }
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
      stream_ = decompressing(open_fifo_source(origin_, fifo), options_.compression, options_.chunk_bytes);
      epoch_open_ = true;
      stream_index_ = 0;
      return true;
    }
    if (next_file_ >= files_.size()) {
      next_file_ = 0;
      ++epoch_;
      if (files_.empty() && options_.epochs == 0) return false;  // nothing to repeat forever
      continue;
    }
    stream_index_ = next_file_;
    origin_ = files_[next_file_++];
    FileReadOptions file;
    file.chunk_bytes = options_.chunk_bytes;
    file.backend = options_.backend;
    stream_ = decompressing(open_file_source(origin_, file), options_.compression, options_.chunk_bytes);
    return true;
  }
}

std::optional<Chunk> ChannelSource::next() {
  if (!stream_) {
    if (!open_next_stream()) return std::nullopt;
    stream_offset_ = 0;
  }
  Chunk chunk;
  chunk.origin = &origin_;
  chunk.epoch = epoch_;
  chunk.stream_index = stream_index_;
  chunk.offset = stream_offset_;
  chunk.bytes = stream_->next();
  if (chunk.bytes.empty()) {
    chunk.end_of_stream = true;
    stream_.reset();
  }
  stream_offset_ += chunk.bytes.size();
  return chunk;
}

}  // namespace chanload::io
