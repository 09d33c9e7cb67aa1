// What a Loader is asked to do: a struct of options with safe defaults. validate() refuses what the
// loader cannot do, with the reason; Loader's constructor calls it.
#pragma once

#include <chanload/dtype.h>
#include <chanload/environment.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace chanload {

// What happens to an epoch's last batch when it has fewer than batch_size records.
enum class LastBatch {
  kKeep,  // delivered short
  kDrop,  // not delivered
  kPad,   // filled to batch_size with zero rows; Batch::padding_rows() says how many
};

// What happens to a record that cannot be decoded (a CSV field that is not a number, a malformed
// RecordIO-protobuf message). Framing errors (a cut or corrupt record) are always errors.
enum class BadRecords {
  kError,  // the first one is a DataError from Loader::next()
  kSkip,   // skipped and counted (LoaderStats::bad_records, Batch::skipped_records())
  kWarn,   // skipped, counted, and the first few reported on stderr
};

// The one spelling of each enum option, shared by C++, `chanload read` and Python: to_string gives
// it, parse_* takes it and throws ConfigError naming the option and the choices otherwise.
[[nodiscard]] std::string_view to_string(LastBatch last_batch);  // "keep", "drop", "pad"
[[nodiscard]] LastBatch parse_last_batch(std::string_view name);
[[nodiscard]] std::string_view to_string(BadRecords bad_records);  // "error", "skip", "warn"
[[nodiscard]] BadRecords parse_bad_records(std::string_view name);
// The loader's mode option: "File" or "Pipe" as TrainingInputMode spells them; "file" and "pipe"
// are taken too (the command's historical spelling). FastFile is refused: it reads as File.
[[nodiscard]] InputMode parse_loader_mode(std::string_view name);

// Where a loader stands: enough to resume it exactly. O(1) in the size of the data.
struct LoaderState {
  std::uint64_t epoch = 0;     // the epoch the next batch comes from
  std::uint64_t position = 0;  // this shard's records of that epoch already delivered (or skipped)
  std::uint64_t seed = 0;      // the shuffle seed in use
  // What the position counts in: a state is refused by a loader that shards or batches differently.
  std::uint64_t num_shards = 1;
  std::uint64_t shard_index = 0;
  std::uint64_t batch_size = 0;
  std::uint64_t shuffle_window = 0;
  bool reshuffle_each_epoch = true;
  // Objects whose records alternated (LoaderOptions::interleave while shuffling, else 1); 0 in a
  // state of version 1 or 2, whose shuffle read objects in stored order (resumed only unshuffled).
  std::uint64_t interleave = 1;
  // What the state belongs to, refused elsewhere: the channel's name and a fingerprint of its data
  // (File mode: the objects' names and sizes; Pipe mode: "pipe"). Empty in a version-1 state: not
  // checked.
  std::string channel;
  std::string data;
  // Shuffling a channel with objects large enough to be framed in pieces (each piece an object of
  // the shuffled order): the piece size; 0 when every object was read whole, or without shuffling
  // (the order is then the stored one either way). 0 in states before version 4.
  std::uint64_t piece_bytes = 0;

  // {"version":4,"epoch":...,...}: compact JSON, the form Python's json module reads and writes.
  // from_json also reads versions 1 (no reshuffle_each_epoch, channel or data), 2 (no interleave)
  // and 3 (no piece_bytes).
  [[nodiscard]] std::string to_json() const;
  // Throws ConfigError saying what is missing or malformed.
  static LoaderState from_json(std::string_view json);
  bool operator==(const LoaderState&) const = default;
};

struct LoaderOptions {
  // The record format: "csv", "recordio-protobuf", "recordio", "tfrecord" or "lines"; empty: from
  // the channel's ContentType (and RecordWrapperType).
  std::string format;
  // Forces File or Pipe mode; nullopt follows the channel's TrainingInputMode. A contradiction with
  // the config is a ConfigError.
  std::optional<InputMode> mode;

  // CSV: leading label columns (default: the ContentType's label_size parameter, else 0), the
  // delimiter and quote, a header row in each file, and whether an empty field is NaN or a bad record.
  std::optional<std::size_t> label_size;
  char delimiter = ',';
  char quote = '"';
  bool header = false;
  bool empty_is_nan = true;
  // RecordIO-protobuf: sparse rows delivered dense (zeros filled in) instead of as CSR.
  bool densify = false;
  // CSV and RecordIO-protobuf: the type of the decoded features, labels and sparse values. float64
  // keeps what float32 would round (Float64 tensors, Int32 values beyond 2^24, long decimals); CSV
  // values are then std::from_chars of the field to double. Batches say which (Batch::dtype()).
  DType dtype = DType::kFloat32;
  // MXNet RecordIO split records: joined the AWS way (parts concatenated) or dmlc's (magic between).
  bool recordio_dmlc_join = false;

  std::size_t batch_size = 1024;  // records per batch
  LastBatch last_batch = LastBatch::kKeep;
  std::uint64_t epochs = 1;  // 0: until stopped

  // Shuffling (shuffle_window > 0), in three parts: File mode puts the channel's objects in a random
  // order each epoch; the records of `interleave` objects of that order alternate, one each; then
  // each delivered record is drawn at random from a window of shuffle_window records. The order is
  // a pure function of (data, shard, seed, epoch, interleave). Without shuffling, records come in
  // stored order.
  std::size_t shuffle_window = 0;
  std::size_t interleave = 16;
  // Default: drawn at open when the loader is the job's only shard; with several shards, one value
  // every process of the job computes alike (from the channel's name), because the shards number
  // records in the objects' shuffled order and must agree on it. state() reports it.
  std::optional<std::uint64_t> seed;
  bool reshuffle_each_epoch = true;  // false: every epoch in the same order

  // Sharding: this loader reads record i of each epoch when i % num_shards == shard_index. Default:
  // from the job (hosts, S3DataDistributionType) and the process (torchrun's RANK/WORLD_SIZE/
  // LOCAL_RANK/LOCAL_WORLD_SIZE, or Open MPI's OMPI_COMM_WORLD_*). Both or neither must be given.
  std::optional<std::size_t> num_shards;
  std::optional<std::size_t> shard_index;

  // Byte-range sharding: each shard reads only its share of the bytes (the files end to end, cut in
  // num_shards equal parts; a record belongs to the part where it starts). For uncompressed File-mode
  // CSV or lines whose quoted fields hold no line breaks. Shard sizes are then uneven (by bytes, not
  // records): for users who accept that in exchange for reading 1/n of the data.
  bool shard_by_byte_range = false;

  // File mode: a symbolic link in the channel's folder that points outside it is an error unless
  // this is set (a link to /etc must not make the job read /etc).
  bool follow_links_outside_channel = false;

  std::size_t threads = 0;  // decode workers; 0: the cores available, at most 8
  // Threads reading, decompressing and framing objects, several at once (File mode); those beyond
  // the objects read at once (Pipe mode's one FIFO, or few objects) decompress a stream ahead of its
  // framing and decode a zstd stream's frames at once. 0: the cores available, at most 8. Speed
  // only: the order does not depend on it.
  std::size_t objects_in_flight = 0;
  std::size_t prefetch_batches = 4;  // batches prepared ahead of the consumer
  std::size_t memory_budget_bytes = std::size_t{1} << 30;
  // A larger record is a DataError; at most 2^40 (1 TiB).
  std::size_t max_record_bytes = std::size_t{64} << 20;
  std::string device = "cpu";  // "cpu" or "cuda:N"
  BadRecords bad_records = BadRecords::kError;
  std::chrono::milliseconds pipe_timeout{std::chrono::minutes(10)};  // Pipe mode: per FIFO wait

  // Continue where a loader with this state stopped.
  std::optional<LoaderState> resume;

  // Throws ConfigError naming the option and why it is refused.
  void validate() const;
};

}  // namespace chanload
