// The loader: its stages wired together, and the batcher and delivery between them.
// - The reader stage (pipeline/reader_stage.h) lists the channel once and reads, decompresses and
//   frames objects on its own threads, in a deterministic order (shuffled and interleaved).
// - The batcher (the reader thread here) keeps this shard's records, passes them through the
//   shuffle window and packs them into Units of about kUnitTargetBytes, each belonging to one batch
//   (a Job) and knowing its rows there; memory back-pressure holds it inside the budget.
// - Decode workers each own a RecordDecoder (pipeline/record_decoder.h), which writes the unit's
//   rows straight into the batch's slot; bad records go to the loader's one BadRecordLog.
// - The worker that completes a batch's last unit assembles it (pipeline/batch_assembly.h: holes,
//   padding, CSR, payloads, device copy), and next() delivers batches strictly in order, keeping
//   the resume state and the stats.
// Everything waits on one mutex's condition variables, and every wait also wakes for stop().
#include <chanload/errors.h>
#include <chanload/loader.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <type_traits>

#include "format/data_format.h"
#include "format/framer_factories.h"
#include "format/record_reader.h"
#include "io/channel_source.h"
#include "io/listing.h"
#include "io/stop_signal.h"
#include "io/thread_cpu.h"
#include "memory/cuda_device.h"
#include "memory/device_transfer.h"
#include "pipeline/batch_assembly.h"
#include "pipeline/batch_job.h"
#include "pipeline/batch_pool.h"
#include "pipeline/random.h"
#include "pipeline/reader_stage.h"
#include "pipeline/record_decoder.h"
#include "pipeline/sharding.h"
#include "pipeline/shuffle_quality.h"
#include "pipeline/shuffle_window.h"

namespace chanload {

using pipeline::BatchPool;
using pipeline::BatchSlot;
using pipeline::Job;
using pipeline::kUnitTargetBytes;
using pipeline::SlotLease;
using pipeline::Unit;
using Layout = pipeline::RowLayout;
using Clock = std::chrono::steady_clock;

namespace {

// Large uncompressed objects are framed in pieces of about this, in parallel. Fixed (not derived
// from the threads or the budget): the pieces decide the order of records, which must not change
// with the machine. 32 MiB: a piece is framed in ~10 ms at the framers' speed, large enough that
// reading a chunk past a piece's end (to find its last record) costs ~3%, small enough that a
// 512 MB object keeps 16 threads busy.
constexpr std::uint64_t kPieceBytes = std::uint64_t{32} << 20;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The same exception, its message prefixed with the channel (every loader error names it).
std::exception_ptr for_channel(const std::exception_ptr& error, const std::string& channel) {
  const std::string prefix = "channel '" + channel + "': ";
  try {
    std::rethrow_exception(error);
  } catch (const StoppedError& e) {
    return std::make_exception_ptr(StoppedError(prefix + e.what()));
  } catch (const TimeoutError& e) {
    return std::make_exception_ptr(TimeoutError(prefix + e.what(), e.origin(), e.offset()));
  } catch (const DataError& e) {
    return std::make_exception_ptr(DataError(prefix + e.what(), e.origin(), e.offset()));
  } catch (const IoError& e) {
    return std::make_exception_ptr(IoError(prefix + e.what(), e.origin(), e.offset()));
  } catch (const ConfigError& e) {
    return std::make_exception_ptr(ConfigError(prefix + e.what(), e.path(), e.line(), e.column()));
  } catch (const std::bad_alloc&) {
    return std::current_exception();
  } catch (const std::exception& e) {
    return std::make_exception_ptr(Error(prefix + e.what()));
  }
}

}  // namespace

class Loader::Impl {
 public:
  Impl(const Environment& environment, std::string_view channel, LoaderOptions options);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  std::optional<Batch> next(std::optional<Clock::time_point> deadline, bool& timed_out);
  LoaderState state() const;
  LoaderStats stats() const;
  void stop();
  [[nodiscard]] const std::string& channel_name() const { return channel_; }

  std::string format_name;
  pipeline::Sharding sharding;
  std::size_t thread_count = 1;
  std::size_t objects_in_flight = 1;

 private:
  // Reader thread.
  void read_loop();
  void read_epoch(std::uint64_t epoch);
  void probe_layout(std::span<const std::byte> payload, const format::RecordPlace& place);
  void make_pool(Layout layout);
  // The reader stage's share of memory_budget_bytes: records read ahead of the shard rule. A
  // quarter: reading objects in parallel but delivering them in order needs about one object read
  // ahead per thread (with 1/8, capped at 64 MiB, 8 gzip objects of 32 MiB read at 0.86-1.19x one
  // igzip on 2 cores; bench/reader_stage.py).
  [[nodiscard]] std::size_t stage_budget_bytes() const { return options_.memory_budget_bytes / 4; }
  // A record for this shard's batches: lent when `lease` keeps it alive (straight from the reader
  // stage), else copied (the shuffle window reuses its memory).
  void emit(std::span<const std::byte> payload, const format::RecordPlace& place,
            const pipeline::BlockLease* lease = nullptr);
  void start_job();
  void close_job(bool epoch_end);
  void dispatch_unit();
  std::unique_ptr<Unit> take_unit();

  // Workers.
  void work_loop();
  void complete_unit(std::unique_ptr<Unit> unit);
  void finalize_or_fail(Job& job);
  void mark_ready(Job& job);

  Environment environment_;
  std::string channel_;
  LoaderOptions options_;
  format::DataFormat data_format_;
  format::RecordFormat record_format_;
  format::FramerOptions framer_options_;
  pipeline::RecordDecoderOptions decoder_options_;
  std::shared_ptr<pipeline::BadRecordLog> bad_records_;
  std::uint64_t seed_ = 0;
  std::uint64_t start_epoch_ = 0;
  std::uint64_t resume_position_ = 0;
  std::shared_ptr<memory::DeviceTransfer> transfer_;
  std::shared_ptr<io::StopSignal> stop_signal_ = std::make_shared<io::StopSignal>();

  // Reader-thread state (no lock needed: only the reader touches it).
  std::optional<Layout> layout_;                    // written by the reader before any unit is queued
  std::unique_ptr<pipeline::RecordDecoder> probe_;  // decodes records until one gives the layout
  std::unique_ptr<pipeline::ShuffleWindow> window_;
  std::unique_ptr<Job> open_job_;
  std::unique_ptr<Unit> unit_;
  std::uint64_t epoch_ = 0;
  std::uint64_t position_ = 0;
  std::uint64_t skip_ = 0;
  std::uint64_t pending_resumed_past_ = 0;  // records passed over to reach the resume position
  std::uint64_t next_sequence_ = 0;
  std::unique_ptr<pipeline::ReaderStage> stage_;  // made before the threads, gone after them
  // Each record's object and its stored position, for the shuffle quality: a record's origin is
  // the path of its entry in the stage's objects(), so its index is the pointer's distance from the
  // first entry's (checked against the entry, so a Pipe-mode FIFO's name maps to object 0).
  std::vector<std::uint64_t> object_starts_;  // of each object's file's first byte, files end to end
  std::vector<std::size_t> file_of_object_;   // the stored object (file) each of the stage's is part of
  [[nodiscard]] std::size_t object_of(const std::string* origin) const;
  std::unique_ptr<pipeline::ShuffleQuality> quality_;
  std::uint64_t pending_read_bytes_ = 0;
  std::uint64_t pending_read_records_ = 0;
  std::uint64_t pending_batch_bytes_ = 0;
  double epoch_blocked_ = 0;  // this epoch's waits on the pool and the budget (the batcher's)

  mutable std::mutex mutex_;
  std::condition_variable work_ready_;   // workers: a unit is queued
  std::condition_variable batch_ready_;  // next(): a batch is ready
  std::condition_variable room_;         // reader: memory came back
  std::deque<std::unique_ptr<Unit>> queue_;
  std::vector<std::unique_ptr<Unit>> free_units_;
  std::map<std::uint64_t, std::unique_ptr<Job>> jobs_;
  std::shared_ptr<BatchPool> pool_;
  std::size_t unit_bytes_ = 0;  // accounted bytes of units in flight
  std::size_t units_in_flight_ = 0;
  std::size_t window_bytes_ = 0;  // the shuffle window and the reader stage
  std::size_t peak_memory_ = 0;
  bool reader_finished_ = false;
  std::uint64_t jobs_total_ = 0;  // valid once reader_finished_
  bool stopping_ = false;
  bool workers_exit_ = false;
  std::uint64_t next_delivery_ = 0;
  std::exception_ptr failed_;
  LoaderState state_;
  LoaderStats stats_;

  std::thread reader_;
  std::vector<std::thread> workers_;
};

namespace {

// A File-mode channel's data as a resume state names it: the objects' names (below the folder) and
// sizes, hashed (FNV-1a, 64 bits). Modification times are left out: a resumed job downloads the
// same objects again, at new times.
std::string listing_identity(const ChannelConfig& config, const std::vector<io::ChannelObject>& objects) {
  const std::string folder = config.path.string();
  std::uint64_t hash = 14695981039346656037ULL;
  const auto mix = [&](std::string_view text) {
    for (const char c : text) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 1099511628211ULL;
    }
  };
  for (const io::ChannelObject& object : objects) {
    mix(std::string_view(object.path).substr(std::min(object.path.size(), folder.size())));
    mix(std::string(1, '\0') + std::to_string(object.size) + "\n");
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return std::to_string(objects.size()) + " objects, " + hex;
}

// The seed of a sharded loader given none: the same in every process of the job (they must agree on
// the objects' order), different per channel.
std::uint64_t shared_default_seed(const std::string& channel) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : channel) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return pipeline::splitmix64(hash);
}

}  // namespace

Loader::Impl::Impl(const Environment& environment, std::string_view channel, LoaderOptions options)
    : environment_(environment), channel_(channel), options_(std::move(options)) {
  options_.validate();
  const ChannelConfig& config = environment_.channel(channel_);
  std::optional<format::DataFormat> requested;
  if (!options_.format.empty()) requested = format::parse_data_format(options_.format);
  data_format_ = format::resolve_data_format(config, requested, options_.mode);
  format_name = std::string(format::to_string(data_format_));
  record_format_ = format::record_format_of(data_format_);
  framer_options_.max_record_bytes = options_.max_record_bytes;
  framer_options_.csv_quote = options_.quote;
  framer_options_.recordio_join =
      options_.recordio_dmlc_join ? format::RecordIOJoin::kDmlc : format::RecordIOJoin::kAws;
  decoder_options_.format = data_format_;
  decoder_options_.dtype = options_.dtype;
  format::CsvDecodeOptions& csv = decoder_options_.csv;
  csv.label_size = options_.label_size.value_or(format::label_size_from(config).value_or(0));
  csv.delimiter = options_.delimiter;
  csv.quote = options_.quote;
  csv.header = options_.header;
  csv.empty_is_nan = options_.empty_is_nan;
  decoder_options_.protobuf.densify = options_.densify;
  decoder_options_.protobuf.max_row_bytes = options_.max_record_bytes;
  bad_records_ = std::make_shared<pipeline::BadRecordLog>(options_.bad_records);

  sharding = pipeline::resolve_sharding(environment_, config, options_.num_shards, options_.shard_index,
                                        pipeline::variables_of(environment_));
  if (options_.shard_by_byte_range) {
    if (data_format_ != format::DataFormat::kCsv && data_format_ != format::DataFormat::kLines) {
      throw ConfigError(
          "channel '" + channel_ + "': byte-range sharding reads CSV or lines, not " + format_name +
          " (a binary record cannot be found from the middle of a file); shard by record instead");
    }
    if (options_.mode.value_or(config.mode) == InputMode::kPipe) {
      throw ConfigError("channel '" + channel_ +
                        "': byte-range sharding needs File mode (a FIFO is read once, whole)");
    }
    sharding.reason += " (by byte range)";
  }
  io::ChannelReadOptions read;
  read.mode = options_.mode;
  read.pipe_timeout = options_.pipe_timeout;
  read.stop = stop_signal_;
  read.listing.follow_links_outside_channel = options_.follow_links_outside_channel;
  if (record_format_ == format::RecordFormat::kTFRecord)
    read.plain_signature = io::PlainSignature{format::kTFRecordHeaderBytes, &format::is_tfrecord_header};
  const InputMode mode = io::resolve_read_mode(config, options_.mode);
  std::string data_identity = "pipe";
  if (mode != InputMode::kPipe) {
    // Listed once: the fingerprint, and every epoch's objects.
    try {
      std::vector<io::ChannelObject> objects = io::list_channel_objects(config, read.listing);
      data_identity = listing_identity(config, objects);
      if (options_.shard_by_byte_range) {
        objects = io::byte_range_parts(config, objects,
                                       io::ByteRangeShard{sharding.num_shards, sharding.shard_index});
      }
      read.objects = std::move(objects);
    } catch (...) {
      std::rethrow_exception(for_channel(std::current_exception(), channel_));
    }
  }
  if (options_.resume) {
    const LoaderState& resume = *options_.resume;
    if (!resume.channel.empty() && resume.channel != channel_) {
      throw ConfigError("channel '" + channel_ + "': the resume state was saved on channel '" +
                        resume.channel + "'");
    }
    if (!resume.data.empty() && resume.data != data_identity) {
      throw ConfigError("channel '" + channel_ + "': the resume state was saved on other data (" +
                        resume.data + ", this channel's is " + data_identity +
                        "): objects were added, removed, renamed or resized, or the mode changed");
    }
    if (resume.num_shards != sharding.num_shards || resume.shard_index != sharding.shard_index) {
      throw ConfigError("channel '" + channel_ + "': the resume state was saved by shard " +
                        std::to_string(resume.shard_index) + " of " + std::to_string(resume.num_shards) +
                        ", this loader is shard " + std::to_string(sharding.shard_index) + " of " +
                        std::to_string(sharding.num_shards) + " (" + sharding.reason + ")");
    }
    seed_ = resume.seed;
    start_epoch_ = resume.epoch;
    resume_position_ = resume.position;
  } else if (options_.seed) {
    seed_ = *options_.seed;
  } else if (sharding.num_shards > 1) {
    seed_ = shared_default_seed(channel_);
  } else {
    seed_ = (static_cast<std::uint64_t>(std::random_device{}()) << 32U) ^ std::random_device{}();
  }

  const int device = memory::parse_device(options_.device);
  if (device >= 0) transfer_ = std::make_shared<memory::DeviceTransfer>(device);

  thread_count = options_.threads;
  if (thread_count == 0) thread_count = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
  state_ = {start_epoch_,
            resume_position_,
            seed_,
            sharding.num_shards,
            sharding.shard_index,
            options_.batch_size,
            options_.shuffle_window,
            options_.reshuffle_each_epoch,
            options_.shuffle_window > 0 ? options_.interleave : 1,
            channel_,
            data_identity};
  if (options_.shuffle_window > 0)
    window_ = std::make_unique<pipeline::ShuffleWindow>(options_.shuffle_window);
  probe_ = pipeline::make_record_decoder(decoder_options_, nullptr, bad_records_);
  if (data_format_ != format::DataFormat::kCsv && data_format_ != format::DataFormat::kRecordIOProtobuf) {
    make_pool(Layout{BatchKind::kRaw, false, 0, 0});
  }

  pipeline::ReaderStageOptions stage;
  stage.read = std::move(read);
  stage.record_format = record_format_;
  stage.framer = framer_options_;
  objects_in_flight = options_.objects_in_flight;
  if (objects_in_flight == 0)
    objects_in_flight = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
  stage.objects_in_flight = objects_in_flight;
  const bool shuffling = options_.shuffle_window > 0;
  stage.interleave = shuffling ? options_.interleave : 1;
  stage.shuffle_objects = shuffling;
  stage.seed = seed_;
  stage.reshuffle_each_epoch = options_.reshuffle_each_epoch;
  stage.buffer_bytes = stage_budget_bytes();
  stage.piece_bytes = kPieceBytes;
  if (data_format_ == format::DataFormat::kCsv) {
    // CSV header and blank rows are not records: dropped (and counted) where they are framed.
    const pipeline::RecordDecoder* probe = probe_.get();
    stage.keep = [probe](std::span<const std::byte> payload, const format::RecordPlace& place) {
      return probe->is_record(payload, place);
    };
  }
  const std::size_t listed = stage.read.objects ? stage.read.objects->size() : 0;
  try {
    stage_ = std::make_unique<pipeline::ReaderStage>(config, std::move(stage));
  } catch (...) {
    std::rethrow_exception(for_channel(std::current_exception(), channel_));
  }
  // Shuffled, the pieces of large objects are objects of the order: a state counts in them.
  const bool cut = mode != InputMode::kPipe && stage_->objects().size() != listed;
  state_.piece_bytes = shuffling && cut ? kPieceBytes : 0;
  if (options_.resume && options_.resume->piece_bytes != state_.piece_bytes) {
    const auto how = [](std::uint64_t piece_bytes) {
      return piece_bytes == 0 ? std::string("whole")
                              : "in pieces of " + std::to_string(piece_bytes) + " bytes";
    };
    throw ConfigError(
        "channel '" + channel_ + "': the resume state was saved by a loader that shuffled this " +
        "channel's large objects read " + how(options_.resume->piece_bytes) + ", this one reads them " +
        how(state_.piece_bytes) + " (the shuffled order depends on it); " +
        (options_.resume->piece_bytes == 0
             ? "resume without shuffling, or start the epoch over"
             : "resume with the chanload that saved it, or start the epoch over"));
  }
  // Pieces of one file (a byte-range shard's part, a large object cut for parallel framing) are one
  // stored object: they share its start, and their offsets are the file's own.
  std::uint64_t start = 0;
  std::uint64_t previous_size = 0;
  std::size_t files = 0;
  const std::string* previous = nullptr;
  for (const io::ChannelObject& object : stage_->objects()) {
    const bool same_file = previous != nullptr && object.ranged && *previous == object.path;
    if (!same_file) {
      start += previous_size;
      previous_size = object.size;
      ++files;
    }
    object_starts_.push_back(start);
    file_of_object_.push_back(files - 1);
    previous = &object.path;
  }
  quality_ = std::make_unique<pipeline::ShuffleQuality>(std::max<std::size_t>(files, 1));

  workers_.reserve(thread_count);
  for (std::size_t i = 0; i < thread_count; ++i) workers_.emplace_back([this] { work_loop(); });
  reader_ = std::thread([this] { read_loop(); });
}

Loader::Impl::~Impl() {
  stop();
  if (reader_.joinable()) reader_.join();
  {
    std::lock_guard lock(mutex_);
    workers_exit_ = true;
  }
  work_ready_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void Loader::Impl::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_signal_->request_stop();
  if (stage_) stage_->stop();
  std::shared_ptr<BatchPool> pool;
  {
    std::lock_guard lock(mutex_);
    pool = pool_;
  }
  if (pool) pool->stop();
  batch_ready_.notify_all();
  room_.notify_all();
  work_ready_.notify_all();
}

// ---- the reader thread ----

void Loader::Impl::make_pool(Layout layout) {
  const bool have_gpu = transfer_ != nullptr || memory::probe_cuda().device_count > 0;
  const pipeline::SlotLayout slot_layout{.kind = layout.kind,
                                         .batch_size = options_.batch_size,
                                         .columns = layout.columns,
                                         .label_size = layout.label_size,
                                         .dtype = options_.dtype,
                                         .pinned = have_gpu};
  const std::size_t slot_bytes =
      options_.batch_size * ((layout.kind == BatchKind::kDense ? layout.columns : 0) + layout.label_size) *
      size_of(options_.dtype);
  std::size_t slots = options_.prefetch_batches + 1;
  // The pool takes at most half the budget; records in flight and the shuffle window share the rest.
  if (slot_bytes > 0) slots = std::min(slots, options_.memory_budget_bytes / 2 / slot_bytes);
  if (slots < 2) {
    throw ConfigError("a batch of " + std::to_string(options_.batch_size) + " rows of " +
                      std::to_string(layout.columns) + " features and " + std::to_string(layout.label_size) +
                      " labels needs " + std::to_string(slot_bytes) + " bytes; memory_budget_bytes " +
                      std::to_string(options_.memory_budget_bytes) +
                      " bytes must hold at least 4 such batches, " + std::to_string(4 * slot_bytes) +
                      " bytes (two batch buffers in half the budget): lower batch_size or raise the budget");
  }
  auto pool = std::make_shared<BatchPool>(slot_layout, slots, transfer_);
  std::lock_guard lock(mutex_);
  layout_ = layout;  // under the lock: stats() reads it
  pool_ = std::move(pool);
  if (stopping_) pool_->stop();
  stats_.batch_buffers = slots;
}

void Loader::Impl::read_loop() {
  try {
    for (std::uint64_t epoch = start_epoch_; options_.epochs == 0 || epoch < options_.epochs; ++epoch) {
      read_epoch(epoch);
    }
    std::lock_guard lock(mutex_);
    reader_finished_ = true;
    jobs_total_ = next_sequence_;
  } catch (...) {
    const std::exception_ptr error = for_channel(std::current_exception(), channel_);
    std::unique_lock lock(mutex_);
    // The error takes the place of the batch being built; every batch before it is delivered first.
    if (open_job_) {
      Job& job = *open_job_;
      job.error = error;
      job.error_row = 0;
      job.closed = true;
      jobs_.emplace(job.sequence, std::move(open_job_));
      if (job.pending_units == 0) job.ready = true;
    } else {
      auto job = std::make_unique<Job>();
      job->sequence = next_sequence_++;
      job->error = error;
      job->closed = true;
      job->ready = true;
      jobs_.emplace(job->sequence, std::move(job));
    }
    reader_finished_ = true;
    jobs_total_ = next_sequence_;
    lock.unlock();
    batch_ready_.notify_all();
    return;
  }
  batch_ready_.notify_all();
}

void Loader::Impl::read_epoch(std::uint64_t epoch) {
  epoch_ = epoch;
  position_ = 0;
  skip_ = epoch == start_epoch_ ? resume_position_ : 0;
  if (window_) {
    window_->start_epoch(pipeline::epoch_seed(seed_, options_.reshuffle_each_epoch ? epoch : 0,
                                              sharding.num_shards, sharding.shard_index));
  }
  const pipeline::ReaderStageStats before = stage_->stats();
  const auto started = Clock::now();
  const double cpu_started = io::thread_cpu_seconds();
  stage_->start_epoch(epoch);
  const bool by_record = !options_.shard_by_byte_range;
  std::uint64_t data_index = 0;
  std::uint64_t seen = 0;
  while (auto record = stage_->next()) {
    ++seen;
    pending_read_bytes_ += record->payload.size();
    if (!layout_) probe_layout(record->payload, record->place);
    // The shard rule numbers records in the reader stage's order, which every shard computes alike.
    if (by_record && data_index++ % sharding.num_shards != sharding.shard_index) continue;
    ++pending_read_records_;
    pending_batch_bytes_ += record->payload.size();
    if (window_) {
      window_->push(
          record->payload, record->place,
          [this](std::span<const std::byte> payload, const format::RecordPlace& at) { emit(payload, at); });
    } else {
      emit(record->payload, record->place, record->lease);
    }
  }
  if (window_) {
    window_->drain(
        [this](std::span<const std::byte> payload, const format::RecordPlace& at) { emit(payload, at); });
  }
  if (open_job_) close_job(true);
  if (position_ < skip_) {
    // A state whose position this epoch never reaches was not saved by this shard on this data: the
    // rest of the epoch would be skipped without a word.
    throw ConfigError("channel '" + channel_ + "': the resume state's position " + std::to_string(skip_) +
                      " in epoch " + std::to_string(epoch) + " is beyond the " + std::to_string(position_) +
                      " records this shard has in that epoch");
  }
  const pipeline::ReaderStageStats after = stage_->stats();
  std::lock_guard lock(mutex_);
  stats_.resumed_past += pending_resumed_past_;
  pending_resumed_past_ = 0;
  stats_.skipped_rows += after.dropped - before.dropped;
  stats_.records_seen += seen;
  stats_.read.bytes += pending_read_bytes_;
  stats_.read.records += pending_read_records_;
  stats_.batch.bytes += pending_batch_bytes_;
  stats_.batch.records += pending_read_records_;
  pending_read_bytes_ = pending_read_records_ = pending_batch_bytes_ = 0;
  // The stage's threads' work; this thread's own (shard rule, window, batching) less its waits on
  // the stage (starved) and on the pool or the budget (blocked, counted where they happen).
  const double starved = after.starved_seconds - before.starved_seconds;
  stats_.read.busy_seconds += after.busy_seconds - before.busy_seconds;
  stats_.read.cpu_seconds += after.cpu_seconds - before.cpu_seconds;
  // Waits use no CPU: this thread's CPU time over the epoch is its work alone.
  stats_.batch.cpu_seconds += io::thread_cpu_seconds() - cpu_started;
  stats_.read.blocked_seconds += after.blocked_seconds - before.blocked_seconds;
  stats_.batch.starved_seconds += starved;
  stats_.batch.busy_seconds += std::max(0.0, seconds_since(started) - starved - epoch_blocked_);
  epoch_blocked_ = 0;
}

void Loader::Impl::probe_layout(std::span<const std::byte> payload, const format::RecordPlace& place) {
  // The channel's first data record decides the row layout for every worker (as for one decoder).
  // Under a skip policy a bad first record is passed over (counted where this shard meets it).
  // It is decoded as the workers will decode it: the dtype bounds a densified row.
  try {
    make_pool(probe_->probe(payload, place));
  } catch (const DataError&) {
    if (options_.bad_records == BadRecords::kError) throw;
  }
}

std::unique_ptr<Unit> Loader::Impl::take_unit() {
  std::unique_lock lock(mutex_);
  if (!free_units_.empty()) {
    auto unit = std::move(free_units_.back());
    free_units_.pop_back();
    return unit;
  }
  return std::make_unique<Unit>();
}

void Loader::Impl::start_job() {
  const auto waited = Clock::now();
  BatchSlot* slot = pool_->acquire();
  const double blocked = seconds_since(waited);
  if (slot == nullptr) throw StoppedError("stopped");
  auto job = std::make_unique<Job>();
  job->lease = SlotLease(pool_, slot);
  job->epoch = epoch_;
  job->index = position_ / options_.batch_size;
  job->first_position = position_;
  {
    std::lock_guard lock(mutex_);
    job->sequence = next_sequence_++;
    stats_.batch.blocked_seconds += blocked;
    epoch_blocked_ += blocked;
  }
  open_job_ = std::move(job);
}

void Loader::Impl::emit(std::span<const std::byte> payload, const format::RecordPlace& place,
                        const pipeline::BlockLease* lease) {
  if (position_ < skip_) {  // resuming: delivered before the state was taken
    ++position_;
    ++pending_resumed_past_;
    return;
  }
  if (!layout_) {
    // Only bad records come before the first good one fixes the layout (the probe saw them all in
    // data order, and rejected this one). The skip policy counts it here; it takes its position. It
    // is decoded again for its message: this happens only before the channel's first good record.
    ++position_;
    try {
      (void)probe_->probe(payload, place);
    } catch (const DataError& error) {
      bad_records_->reject(error);
    }
    return;
  }
  if (open_job_ && open_job_->records == options_.batch_size) close_job(false);
  if (!open_job_) start_job();
  if (!unit_) {
    unit_ = take_unit();
    unit_->job = open_job_.get();
    unit_->first_row = open_job_->records;
  }
  Unit& unit = *unit_;
  if (lease != nullptr) {
    unit.add_lent(payload, place, lease);
  } else {
    unit.add_copy(payload, place);
  }
  const std::size_t object = object_of(place.origin);
  const bool known = object < object_starts_.size();
  quality_->record(position_, (known ? object_starts_[object] : 0) + place.offset,
                   known ? file_of_object_[object] : 0);
  ++open_job_->records;
  ++position_;
  if (unit.payload_bytes >= kUnitTargetBytes || open_job_->records == options_.batch_size) dispatch_unit();
}

std::size_t Loader::Impl::object_of(const std::string* origin) const {
  const std::vector<io::ChannelObject>& objects = stage_->objects();
  if (objects.empty() || origin == nullptr) return 0;
  const auto first = reinterpret_cast<std::uintptr_t>(&objects.front().path);
  const auto at = reinterpret_cast<std::uintptr_t>(origin);
  if (at < first) return 0;
  const std::size_t index = (at - first) / sizeof(io::ChannelObject);
  return index < objects.size() && &objects[index].path == origin ? index : 0;
}

void Loader::Impl::dispatch_unit() {
  std::unique_ptr<Unit> unit = std::move(unit_);
  const std::size_t bytes = unit->capacity_bytes();
  unit->accounted = bytes;
  const auto waited = Clock::now();
  std::unique_lock lock(mutex_);
  // Back-pressure on memory: wait while the pool, the units in flight and the window pass the budget
  // (always letting one unit through, so the pipeline moves). "window" also counts the records the
  // reader stage holds ahead of the shard rule.
  const std::size_t window = (window_ ? window_->bytes_held() : 0) + stage_->bytes_held();
  room_.wait(lock, [&] {
    return stopping_ || units_in_flight_ == 0 ||
           pool_->bytes() + unit_bytes_ + bytes + window <= options_.memory_budget_bytes;
  });
  const double blocked = seconds_since(waited);
  stats_.batch.blocked_seconds += blocked;
  epoch_blocked_ += blocked;
  if (stopping_) throw StoppedError("stopped");
  window_bytes_ = window;
  unit_bytes_ += bytes;
  ++units_in_flight_;
  peak_memory_ = std::max(peak_memory_, pool_->bytes() + unit_bytes_ + window_bytes_);
  stats_.read.bytes += pending_read_bytes_;
  stats_.read.records += pending_read_records_;
  stats_.batch.bytes += pending_batch_bytes_;
  stats_.batch.records += pending_read_records_;
  pending_read_bytes_ = pending_read_records_ = pending_batch_bytes_ = 0;
  ++unit->job->pending_units;
  queue_.push_back(std::move(unit));
  lock.unlock();
  work_ready_.notify_one();
}

void Loader::Impl::close_job(bool epoch_end) {
  if (unit_) dispatch_unit();
  std::unique_ptr<Job> job = std::move(open_job_);
  if (epoch_end && job->records < options_.batch_size) {
    if (options_.last_batch == LastBatch::kDrop) job->deliver = false;
  }
  quality_->end_batch();
  std::unique_lock lock(mutex_);
  stats_.order_correlation = quality_->correlation();
  stats_.objects_per_batch = quality_->objects_per_batch();
  job->closed = true;
  job->epoch_end = epoch_end;
  Job& ref = *job;
  jobs_.emplace(ref.sequence, std::move(job));
  if (ref.pending_units != 0) return;  // the last unit's worker finalises it
  lock.unlock();
  finalize_or_fail(ref);
}

// ---- the workers ----

void Loader::Impl::work_loop() {
  std::unique_ptr<pipeline::RecordDecoder> decoder;  // made for the layout, at the first unit
  while (true) {
    std::unique_ptr<Unit> unit;
    const auto waited = Clock::now();
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [&] { return workers_exit_ || !queue_.empty(); });
      if (queue_.empty()) return;
      unit = std::move(queue_.front());
      queue_.pop_front();
      stats_.decode.starved_seconds += seconds_since(waited);
    }
    const auto started = Clock::now();
    const double cpu_started = io::thread_cpu_seconds();
    try {
      if (!decoder) decoder = pipeline::make_record_decoder(decoder_options_, &*layout_, bad_records_);
      decoder->decode(*unit, *unit->job->lease.slot());
    } catch (...) {
      unit->error = for_channel(std::current_exception(), channel_);
    }
    {
      std::lock_guard lock(mutex_);
      stats_.decode.busy_seconds += seconds_since(started);
      stats_.decode.cpu_seconds += io::thread_cpu_seconds() - cpu_started;
      stats_.decode.records += unit->records.size();
    }
    complete_unit(std::move(unit));
  }
}

void Loader::Impl::complete_unit(std::unique_ptr<Unit> unit) {
  std::unique_lock lock(mutex_);
  Job& job = *unit->job;
  if (unit->error && (!job.error || unit->first_row < job.error_row)) {
    job.error = unit->error;
    job.error_row = unit->first_row;
  }
  job.holes.insert(job.holes.end(), unit->holes.begin(), unit->holes.end());
  unit_bytes_ -= unit->accounted;
  --units_in_flight_;
  room_.notify_one();
  const bool keep = layout_->kind != BatchKind::kDense && !unit->error;
  if (keep) {
    job.kept_units.push_back(std::move(unit));
  } else {
    unit->reset();
    free_units_.push_back(std::move(unit));
  }
  --job.pending_units;
  if (!job.closed || job.pending_units != 0) return;
  lock.unlock();
  finalize_or_fail(job);
}

void Loader::Impl::finalize_or_fail(Job& job) {
  try {
    pipeline::assemble_batch(job, *layout_, {options_.batch_size, options_.last_batch, options_.dtype},
                             transfer_.get());
  } catch (...) {
    job.error = for_channel(std::current_exception(), channel_);
  }
  mark_ready(job);
}

void Loader::Impl::mark_ready(Job& job) {
  std::vector<std::unique_ptr<Unit>> units = std::move(job.kept_units);
  {
    std::lock_guard lock(mutex_);
    for (auto& unit : units) {
      unit->reset();
      free_units_.push_back(std::move(unit));
    }
    job.ready = true;
  }
  batch_ready_.notify_all();
}

// ---- the consumer ----

std::optional<Batch> Loader::Impl::next(std::optional<Clock::time_point> deadline, bool& timed_out) {
  timed_out = false;
  const auto waited = Clock::now();
  std::unique_lock lock(mutex_);
  while (true) {
    if (failed_) std::rethrow_exception(failed_);
    if (stopping_) throw StoppedError("channel '" + channel_ + "': the loader was stopped");
    const auto it = jobs_.find(next_delivery_);
    if (it != jobs_.end() && it->second->ready) {
      std::unique_ptr<Job> job = std::move(it->second);
      jobs_.erase(it);
      ++next_delivery_;
      if (job->error) {
        failed_ = job->error;
        lock.unlock();
        job.reset();  // its slot goes back before the error leaves
        std::rethrow_exception(failed_);
      }
      if (job->epoch_end) {
        state_.epoch = job->epoch + 1;
        state_.position = 0;
      } else {
        state_.epoch = job->epoch;
        state_.position = job->first_position + job->records;
      }
      stats_.deliver.starved_seconds += seconds_since(waited);
      if (!job->deliver || !job->data || job->data->rows == 0) continue;
      BatchSlot* slot = job->data->lease.slot();
      job->data->lease.pool()->mark_delivered(slot);
      ++stats_.batches;
      stats_.rows += job->data->rows - job->data->padding_rows;
      stats_.deliver.records += job->records;
      return Batch(std::move(job->data));
    }
    if (reader_finished_ && next_delivery_ >= jobs_total_) {
      stats_.deliver.starved_seconds += seconds_since(waited);
      return std::nullopt;
    }
    if (pool_ && pool_->all_delivered()) {
      throw Error("channel '" + channel_ + "': all " + std::to_string(pool_->capacity()) +
                  " batch buffers are held by the caller, so no further batch can be made: release batches "
                  "(or copy what you keep) before asking for more, or raise prefetch_batches");
    }
    if (!deadline) {
      batch_ready_.wait(lock);
    } else if (batch_ready_.wait_until(lock, *deadline) == std::cv_status::timeout) {
      stats_.deliver.starved_seconds += seconds_since(waited);
      timed_out = true;
      return std::nullopt;
    }
  }
}

LoaderState Loader::Impl::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

LoaderStats Loader::Impl::stats() const {
  std::lock_guard lock(mutex_);
  LoaderStats stats = stats_;
  stats.bad_records = bad_records_->count();
  const std::size_t pool_bytes = pool_ ? pool_->bytes() : 0;
  stats.memory_bytes = pool_bytes + unit_bytes_ + window_bytes_;
  stats.peak_memory_bytes = std::max(peak_memory_, stats.memory_bytes);
  stats.decode.bytes = stats.decode.records;  // refined below for dense layouts
  if (layout_ && layout_->kind == BatchKind::kDense) {
    stats.decode.bytes =
        stats.decode.records * (layout_->columns + layout_->label_size) * size_of(options_.dtype);
  }
  return stats;
}

// ---- Loader ----

Loader::Loader(const Environment& environment, std::string_view channel, LoaderOptions options)
    : impl_(std::make_unique<Impl>(environment, channel, std::move(options))), owner_pid_(::getpid()) {}
Loader::~Loader() {
  // In a forked child the threads are gone and a mutex may have been held at the fork: running the
  // destructor would wait for ever. The child's copy of the memory is left as it is.
  if (::getpid() != owner_pid_) (void)impl_.release();  // NOLINT(bugprone-unused-return-value)
}
Loader::Impl& Loader::impl() const {
  if (::getpid() != owner_pid_) {
    throw Error("channel '" + impl_->channel_name() + "': this Loader was made in process " +
                std::to_string(owner_pid_) + " and used in process " + std::to_string(::getpid()) +
                " after a fork(): its threads do not survive a fork. Make the Loader in the process that "
                "uses it (in a DataLoader worker, chanload.torch.ChannelDataset does), or start "
                "processes with the spawn method");
  }
  return *impl_;
}
std::optional<Batch> Loader::next() {
  bool timed_out = false;
  return impl().next(std::nullopt, timed_out);
}
std::optional<Batch> Loader::next(std::chrono::milliseconds timeout, bool& timed_out) {
  return impl().next(Clock::now() + timeout, timed_out);
}
LoaderState Loader::state() const { return impl().state(); }
LoaderStats Loader::stats() const { return impl().stats(); }
void Loader::stop() { impl().stop(); }
const std::string& Loader::format() const { return impl_->format_name; }
std::size_t Loader::num_shards() const { return impl_->sharding.num_shards; }
std::size_t Loader::shard_index() const { return impl_->sharding.shard_index; }
const std::string& Loader::sharding_reason() const { return impl_->sharding.reason; }
std::size_t Loader::threads() const { return impl_->thread_count; }
std::size_t Loader::objects_in_flight() const { return impl_->objects_in_flight; }

}  // namespace chanload
