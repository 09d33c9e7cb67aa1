// The loader's pipeline. One reader thread reads, decompresses and frames the channel (serial per
// stream), keeps this shard's records, shuffles them through a window, and packs them into work
// units of about unit_target_bytes; each unit belongs to one batch and knows its rows there. A pool
// of decode workers decodes units straight into the batch's slot (dense CSV: each value written
// once, at its final place). The worker that completes a batch's last unit finalises it (closes
// holes left by skipped records, pads, copies to the device) and hands it to next(), which returns
// batches strictly in order. Everything waits on one mutex's condition variables, and every wait
// also wakes for stop().
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

#include "format/csv_decoder.h"
#include "format/data_format.h"
#include "format/framer_factories.h"
#include "format/record_reader.h"
#include "format/recordio_protobuf_decoder.h"
#include "io/channel_source.h"
#include "io/listing.h"
#include "io/stop_signal.h"
#include "memory/cuda_device.h"
#include "memory/device_transfer.h"
#include "pipeline/batch_pool.h"
#include "pipeline/random.h"
#include "pipeline/reader_stage.h"
#include "pipeline/sharding.h"
#include "pipeline/shuffle_quality.h"
#include "pipeline/shuffle_window.h"

namespace chanload {

using pipeline::BatchPool;
using pipeline::BatchSlot;
using pipeline::SlotLease;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kUnitTargetBytes = std::size_t{256} << 10;

// memmove/memset with a count of values (float or double); a zero count touches nothing (a channel
// without labels has null label buffers, which the C functions may not see even for zero bytes).
template <typename T>
void move_values(T* to, const T* from, std::size_t count) {
  if (count != 0) std::memmove(to, from, count * sizeof(T));
}
template <typename T>
void zero_values(T* to, std::size_t count) {
  if (count != 0) std::memset(to, 0, count * sizeof(T));
}

// Decoded rows in the loader's value type: only the one LoaderOptions::dtype names is used, so the
// hot loops are compiled once per type and never branch on it per value.
struct TypedRows {
  format::DecodedRows f32;
  format::DecodedRowsF64 f64;

  template <typename T>
  format::BasicDecodedRows<T>& as() {
    if constexpr (std::is_same_v<T, float>) {
      return f32;
    } else {
      return f64;
    }
  }
  void clear() {
    f32.clear();
    f64.clear();
  }
};

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

struct Job;

struct UnitRecord {
  std::size_t offset = 0;
  std::size_t size = 0;
  format::RecordPlace place;
};

// Records of one batch, copied out of the reader's chunks so that a worker can decode them.
struct Unit {
  std::vector<std::byte> bytes;
  std::vector<UnitRecord> records;
  Job* job = nullptr;
  std::size_t first_row = 0;       // the row of records[0] in its batch
  TypedRows sparse;                // sparse batches: this unit's CSR rows until the batch is finalised
  std::vector<std::size_t> holes;  // rows (in the batch) whose record was bad and skipped
  std::exception_ptr error;
  std::size_t accounted = 0;  // bytes counted against the budget while in flight

  void reset() {
    bytes.clear();
    records.clear();
    job = nullptr;
    sparse.clear();
    holes.clear();
    error = nullptr;
  }
  [[nodiscard]] std::size_t capacity_bytes() const {
    return bytes.capacity() + records.capacity() * sizeof(UnitRecord);
  }
};

// A batch being built.
struct Job {
  std::uint64_t sequence = 0;  // position among every batch this loader makes
  std::uint64_t epoch = 0;
  std::uint64_t index = 0;           // within the epoch
  std::uint64_t first_position = 0;  // this shard's record number (in delivery order) of row 0
  std::size_t records = 0;
  SlotLease lease;
  std::size_t pending_units = 0;
  bool closed = false;
  bool epoch_end = false;
  bool deliver = true;  // false: a short last batch with LastBatch::kDrop
  bool ready = false;
  std::vector<std::unique_ptr<Unit>> kept_units;  // sparse and raw: gathered at finalisation
  std::vector<std::size_t> holes;
  std::exception_ptr error;
  std::size_t error_row = 0;  // the first failing row: which error surfaces is deterministic
  std::shared_ptr<detail::BatchData> data;
};

struct Layout {
  BatchKind kind = BatchKind::kDense;
  bool sparse_records = false;  // RecordIO-protobuf with keys (densified or not)
  std::size_t columns = 0;
  std::size_t label_size = 0;
};

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
  template <typename T>
  std::optional<Layout> probe_layout_as(std::span<const std::byte> payload, const format::RecordPlace& place);
  void make_pool(Layout layout);
  // The reader stage's share of memory_budget_bytes: records read ahead of the shard rule. A
  // quarter: reading objects in parallel but delivering them in order needs about one object read
  // ahead per thread (with 1/8, capped at 64 MiB, 8 gzip objects of 32 MiB read at 0.86-1.19x one
  // igzip on 2 cores; bench/reader_stage.py).
  [[nodiscard]] std::size_t stage_budget_bytes() const { return options_.memory_budget_bytes / 4; }
  void emit(std::span<const std::byte> payload, const format::RecordPlace& place);
  void start_job();
  void close_job(bool epoch_end);
  void dispatch_unit();
  std::unique_ptr<Unit> take_unit();

  // Workers.
  struct WorkerState {
    std::unique_ptr<format::CsvDecoder> csv;
    std::unique_ptr<format::RecordIOProtobufDecoder> protobuf;
    TypedRows scratch;
    std::uint64_t bad_seen = 0;
  };
  void work_loop();
  void decode_unit(Unit& unit, WorkerState& worker);
  template <typename T>
  void decode_unit_as(Unit& unit, WorkerState& worker);
  void complete_unit(std::unique_ptr<Unit> unit);
  void finalize(Job& job);
  template <typename T>
  void arrange_rows(Job& job, std::size_t filled, std::size_t rows);
  void finalize_or_fail(Job& job);
  void mark_ready(Job& job);

  Environment environment_;
  std::string channel_;
  LoaderOptions options_;
  format::DataFormat data_format_;
  format::RecordFormat record_format_;
  format::FramerOptions framer_options_;
  format::CsvDecodeOptions csv_options_;
  format::RecordIOProtobufOptions protobuf_options_;
  std::uint64_t seed_ = 0;
  std::uint64_t start_epoch_ = 0;
  std::uint64_t resume_position_ = 0;
  std::shared_ptr<memory::DeviceTransfer> transfer_;
  std::shared_ptr<io::StopSignal> stop_signal_ = std::make_shared<io::StopSignal>();

  // Reader-thread state (no lock needed: only the reader touches it).
  std::optional<Layout> layout_;  // written by the reader before any unit is queued
  std::unique_ptr<format::CsvDecoder> probe_csv_;
  std::unique_ptr<format::RecordIOProtobufDecoder> probe_protobuf_;
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
  std::vector<std::uint64_t> object_starts_;  // of each object's first byte, the objects end to end
  [[nodiscard]] std::size_t object_of(const std::string* origin) const;
  std::unique_ptr<pipeline::ShuffleQuality> quality_;
  std::uint64_t pending_read_bytes_ = 0;
  std::uint64_t pending_read_records_ = 0;

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
  const auto policy = options_.bad_records == BadRecords::kSkip   ? format::BadRecordPolicy::kSkip
                      : options_.bad_records == BadRecords::kWarn ? format::BadRecordPolicy::kWarn
                                                                  : format::BadRecordPolicy::kError;
  csv_options_.label_size = options_.label_size.value_or(format::label_size_from(config).value_or(0));
  csv_options_.delimiter = options_.delimiter;
  csv_options_.quote = options_.quote;
  csv_options_.header = options_.header;
  csv_options_.empty_is_nan = options_.empty_is_nan;
  csv_options_.bad_records = policy;
  protobuf_options_.densify = options_.densify;
  protobuf_options_.max_row_bytes = options_.max_record_bytes;

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
  if (data_format_ == format::DataFormat::kCsv) {
    format::CsvDecodeOptions probe = csv_options_;
    if (probe.bad_records == format::BadRecordPolicy::kWarn)
      probe.bad_records = format::BadRecordPolicy::kSkip;
    probe_csv_ = std::make_unique<format::CsvDecoder>(probe);  // warnings come from the shard that skips
  }
  if (data_format_ == format::DataFormat::kRecordIOProtobuf)
    probe_protobuf_ = std::make_unique<format::RecordIOProtobufDecoder>(protobuf_options_);
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
  if (probe_csv_) {
    // CSV header and blank rows are not records: dropped (and counted) where they are framed.
    const format::CsvDecoder* probe = probe_csv_.get();
    stage.keep = [probe](std::span<const std::byte> payload, const format::RecordPlace& place) {
      return probe->is_data_row(payload, place);
    };
  }
  try {
    stage_ = std::make_unique<pipeline::ReaderStage>(config, std::move(stage));
  } catch (...) {
    std::rethrow_exception(for_channel(std::current_exception(), channel_));
  }
  std::uint64_t start = 0;
  for (const io::ChannelObject& object : stage_->objects()) {
    object_starts_.push_back(start);  // offsets are the file's own, ranged or not
    start += object.size;
  }
  quality_ = std::make_unique<pipeline::ShuffleQuality>(std::max<std::size_t>(stage_->objects().size(), 1));

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
    if (window_) {
      window_->push(
          record->payload, record->place,
          [this](std::span<const std::byte> payload, const format::RecordPlace& at) { emit(payload, at); });
    } else {
      emit(record->payload, record->place);
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
  pending_read_bytes_ = pending_read_records_ = 0;
  // The stage's threads' work, and this thread's own (shard rule, window, batching) less its waits.
  const double own = seconds_since(started) - (after.starved_seconds - before.starved_seconds);
  stats_.read.busy_seconds += (after.busy_seconds - before.busy_seconds) + own;
}

void Loader::Impl::probe_layout(std::span<const std::byte> payload, const format::RecordPlace& place) {
  // The channel's first data record decides the row layout for every worker (as for one decoder).
  // Under a skip policy a bad first record is passed over (the worker that gets it counts it).
  // It is decoded as the workers will decode it: the dtype bounds a densified row.
  const std::optional<Layout> layout = options_.dtype == DType::kFloat64
                                           ? probe_layout_as<double>(payload, place)
                                           : probe_layout_as<float>(payload, place);
  if (layout) make_pool(*layout);
}

template <typename T>
std::optional<Layout> Loader::Impl::probe_layout_as(std::span<const std::byte> payload,
                                                    const format::RecordPlace& place) {
  format::BasicDecodedRows<T> rows;
  try {
    if (probe_csv_) {
      if (probe_csv_->decode(payload, place, rows) != format::CsvDecoder::Outcome::kDecoded)
        return std::nullopt;
      return Layout{BatchKind::kDense, false, rows.columns, rows.label_size};
    }
    probe_protobuf_->decode(payload, place, rows);
    const bool sparse = probe_protobuf_->sparse_records();
    return Layout{rows.sparse ? BatchKind::kSparse : BatchKind::kDense, sparse, rows.columns,
                  rows.label_size};
  } catch (const DataError&) {
    if (options_.bad_records == BadRecords::kError) throw;
    return std::nullopt;
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
    stats_.read.blocked_seconds += blocked;
  }
  open_job_ = std::move(job);
}

void Loader::Impl::emit(std::span<const std::byte> payload, const format::RecordPlace& place) {
  if (position_ < skip_) {  // resuming: delivered before the state was taken
    ++position_;
    ++pending_resumed_past_;
    return;
  }
  if (!layout_) {
    // Only bad records come before the first good one fixes the layout (the probe saw them all in
    // data order, and rejected this one). The skip policy counts it here; it takes its position.
    ++position_;
    const std::string origin = place.origin != nullptr ? *place.origin : std::string("?");
    if (options_.bad_records == BadRecords::kWarn)
      std::fprintf(stderr, "chanload: skipped bad record: %s byte %llu\n", origin.c_str(),
                   static_cast<unsigned long long>(place.offset));
    std::lock_guard lock(mutex_);
    ++stats_.bad_records;
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
  const std::size_t offset = unit.bytes.size();
  unit.bytes.insert(unit.bytes.end(), payload.begin(), payload.end());
  unit.records.push_back({offset, payload.size(), place});
  const std::size_t object = object_of(place.origin);
  quality_->record(position_, (object < object_starts_.size() ? object_starts_[object] : 0) + place.offset,
                   object);
  ++open_job_->records;
  ++position_;
  if (unit.bytes.size() >= kUnitTargetBytes || open_job_->records == options_.batch_size) dispatch_unit();
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
  stats_.read.blocked_seconds += seconds_since(waited);
  if (stopping_) throw StoppedError("stopped");
  window_bytes_ = window;
  unit_bytes_ += bytes;
  ++units_in_flight_;
  peak_memory_ = std::max(peak_memory_, pool_->bytes() + unit_bytes_ + window_bytes_);
  stats_.read.bytes += pending_read_bytes_;
  stats_.read.records += pending_read_records_;
  pending_read_bytes_ = pending_read_records_ = 0;
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
  WorkerState worker;
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
    try {
      decode_unit(*unit, worker);
    } catch (...) {
      unit->error = for_channel(std::current_exception(), channel_);
    }
    const std::uint64_t bad = worker.csv ? worker.csv->bad_records() : 0;
    {
      std::lock_guard lock(mutex_);
      stats_.decode.busy_seconds += seconds_since(started);
      stats_.decode.records += unit->records.size();
      stats_.bad_records += bad - worker.bad_seen + unit->holes.size() * (worker.csv ? 0 : 1);
      worker.bad_seen = bad;
    }
    complete_unit(std::move(unit));
  }
}

void Loader::Impl::decode_unit(Unit& unit, WorkerState& worker) {
  if (layout_->kind == BatchKind::kRaw) return;  // the payloads are the batch
  if (options_.dtype == DType::kFloat64) {
    decode_unit_as<double>(unit, worker);
  } else {
    decode_unit_as<float>(unit, worker);
  }
}

template <typename T>
void Loader::Impl::decode_unit_as(Unit& unit, WorkerState& worker) {
  const Layout& layout = *layout_;
  Job& job = *unit.job;
  BatchSlot& slot = *job.lease.slot();
  if (data_format_ == format::DataFormat::kCsv) {
    if (!worker.csv) {
      worker.csv = std::make_unique<format::CsvDecoder>(csv_options_);
      worker.csv->expect_columns(layout.columns + layout.label_size);
    }
    for (std::size_t i = 0; i < unit.records.size(); ++i) {
      const UnitRecord& record = unit.records[i];
      const std::size_t row = unit.first_row + i;
      const auto outcome = worker.csv->decode_into(std::span(unit.bytes).subspan(record.offset, record.size),
                                                   record.place, slot.label_row<T>(row, layout.label_size),
                                                   slot.feature_row<T>(row, layout.columns));
      if (outcome == format::CsvDecoder::Outcome::kBad) unit.holes.push_back(row);
    }
    return;
  }
  // RecordIO-protobuf.
  if (!worker.protobuf)
    worker.protobuf = std::make_unique<format::RecordIOProtobufDecoder>(protobuf_options_);
  format::BasicDecodedRows<T>& out =
      layout.kind == BatchKind::kSparse ? unit.sparse.as<T>() : worker.scratch.as<T>();
  worker.protobuf->adopt_layout(layout.sparse_records, layout.columns, layout.label_size, out);
  out.clear();
  for (std::size_t i = 0; i < unit.records.size(); ++i) {
    const UnitRecord& record = unit.records[i];
    const std::size_t row = unit.first_row + i;
    const std::size_t before = out.rows;
    try {
      worker.protobuf->decode(std::span(unit.bytes).subspan(record.offset, record.size), record.place, out);
    } catch (const DataError& e) {
      if (options_.bad_records == BadRecords::kError) throw;
      if (options_.bad_records == BadRecords::kWarn)
        std::fprintf(stderr, "chanload: skipped bad record: %s\n", e.what());
      unit.holes.push_back(row);
      continue;
    }
    move_values(slot.label_row<T>(row, layout.label_size), out.labels.data() + before * layout.label_size,
                layout.label_size);
    if (layout.kind == BatchKind::kDense) {
      move_values(slot.feature_row<T>(row, layout.columns), out.features.data() + before * layout.columns,
                  layout.columns);
    }
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
    finalize(job);
  } catch (...) {
    job.error = for_channel(std::current_exception(), channel_);
  }
  mark_ready(job);
}

void Loader::Impl::finalize(Job& job) {
  if (job.error || !job.deliver) return;
  const Layout& layout = *layout_;
  BatchSlot& slot = *job.lease.slot();
  std::sort(job.holes.begin(), job.holes.end());
  const std::size_t filled = job.records - job.holes.size();
  const std::size_t target = options_.last_batch == LastBatch::kPad ? options_.batch_size : filled;
  const std::size_t rows = std::max(filled, target);

  if (layout.kind != BatchKind::kDense) {
    std::sort(job.kept_units.begin(), job.kept_units.end(),
              [](const auto& a, const auto& b) { return a->first_row < b->first_row; });
  }
  if (layout.kind != BatchKind::kRaw && options_.dtype == DType::kFloat64) {
    arrange_rows<double>(job, filled, rows);
  } else if (layout.kind != BatchKind::kRaw) {
    arrange_rows<float>(job, filled, rows);
  } else {
    slot.payloads.clear();
    slot.offsets.assign(1, 0);
    for (const auto& unit : job.kept_units) {
      slot.payloads.insert(slot.payloads.end(), unit->bytes.begin(), unit->bytes.end());
      const std::int64_t base = slot.offsets.back();
      for (const UnitRecord& record : unit->records)
        slot.offsets.push_back(base + static_cast<std::int64_t>(record.offset + record.size));
    }
    slot.offsets.resize(rows + 1, slot.offsets.back());
  }
  if (layout.kind != BatchKind::kDense) job.lease.pool()->account(&slot);

  auto data = std::make_shared<detail::BatchData>();
  data->kind = layout.kind;
  data->rows = rows;
  data->padding_rows = rows - filled;
  data->skipped_records = job.holes.size();
  data->columns = layout.columns;
  data->label_size = layout.label_size;
  data->dtype = options_.dtype;
  data->epoch = job.epoch;
  data->index = job.index;
  data->last_in_epoch = job.epoch_end;
  data->pinned = slot.features.pinned() || slot.labels.pinned();
  if (transfer_ && layout.kind == BatchKind::kDense) {
    const std::size_t value_bytes = size_of(options_.dtype);
    transfer_->copy(slot.device, slot.features.data(), rows * layout.columns * value_bytes,
                    slot.labels.data(), rows * layout.label_size * value_bytes);
    data->device = transfer_->device();
  }
  data->lease = std::move(job.lease);
  job.data = std::move(data);
}

// Closes the gaps of skipped records, pads (LastBatch::kPad) and gathers the units' CSR rows, in the
// batch's value type.
template <typename T>
void Loader::Impl::arrange_rows(Job& job, std::size_t filled, std::size_t rows) {
  const Layout& layout = *layout_;
  BatchSlot& slot = *job.lease.slot();
  if (!job.holes.empty()) {  // close the gaps of skipped records
    std::size_t write = 0;
    std::size_t hole = 0;
    for (std::size_t read = 0; read < job.records; ++read) {
      if (hole < job.holes.size() && job.holes[hole] == read) {
        ++hole;
        continue;
      }
      if (write != read) {
        move_values(slot.label_row<T>(write, layout.label_size), slot.label_row<T>(read, layout.label_size),
                    layout.label_size);
        if (layout.kind == BatchKind::kDense) {
          move_values(slot.feature_row<T>(write, layout.columns), slot.feature_row<T>(read, layout.columns),
                      layout.columns);
        }
      }
      ++write;
    }
  }
  if (rows > filled) {  // LastBatch::kPad: zero rows
    zero_values(slot.label_row<T>(filled, layout.label_size), (rows - filled) * layout.label_size);
    if (layout.kind == BatchKind::kDense) {
      zero_values(slot.feature_row<T>(filled, layout.columns), (rows - filled) * layout.columns);
    }
  }
  if (layout.kind == BatchKind::kSparse) {
    slot.indptr.assign(1, 0);
    slot.indices.clear();
    std::vector<T>& values = slot.sparse_values<T>();
    values.clear();
    for (const auto& unit : job.kept_units) {
      const format::BasicDecodedRows<T>& sparse = unit->sparse.as<T>();
      const auto base = static_cast<std::int64_t>(slot.indices.size());
      for (std::size_t r = 1; r < sparse.indptr.size(); ++r) slot.indptr.push_back(base + sparse.indptr[r]);
      slot.indices.insert(slot.indices.end(), sparse.indices.begin(), sparse.indices.end());
      values.insert(values.end(), sparse.values.begin(), sparse.values.end());
    }
    slot.indptr.resize(rows + 1, slot.indptr.back());
  }
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
