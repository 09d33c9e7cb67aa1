// chanload read: decode a channel's records; write them as NumPy files, or just measure.
#include <chanload/environment.h>
#include <chanload/errors.h>
#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "format/csv_decoder.h"
#include "format/data_format.h"
#include "format/npy_writer.h"
#include "format/record_reader.h"
#include "format/recordio_protobuf_decoder.h"
#include "io/channel_source.h"

namespace chanload::cli {
namespace {

struct ReadOptions {
  std::string root;
  std::string channel;
  std::string format;
  std::optional<std::size_t> label_size;
  std::string delimiter = ",";
  std::size_t batch_size = 1024;
  std::uint64_t epochs = 1;
  double pipe_timeout_seconds = 600;
  bool header = false;
  bool empty_is_error = false;
  bool densify = false;
  std::string bad_records = "error";
  std::size_t max_record_bytes = std::size_t{64} << 20;
  std::string output;
  bool stats = false;
};

template <typename T>
std::span<const std::byte> bytes_of(const std::vector<T>& v) {
  return std::as_bytes(std::span<const T>(v));
}

// The numeric outputs: features.npy and labels.npy (dense rows).
class NumericOutput {
 public:
  explicit NumericOutput(const std::string& dir)
      : features_(dir + "/features.npy", "<f4", 4), labels_(dir + "/labels.npy", "<f4", 4) {}
  void write(const format::DecodedRows& rows) {
    if (rows.rows == 0) return;
    if (rows.sparse) throw std::logic_error("NumericOutput takes dense rows (the decoder densifies)");
    features_.set_columns(rows.columns);
    labels_.set_columns(rows.label_size);
    features_.append(bytes_of(rows.features), rows.rows);
    labels_.append(bytes_of(rows.labels), rows.rows);
  }
  void close() {
    features_.close();
    labels_.close();
  }

 private:
  format::NpyWriter features_;
  format::NpyWriter labels_;
};

// Raw records: payloads.bin (every payload, back to back) and offsets.npy (int64, records + 1).
class RawOutput {
 public:
  explicit RawOutput(const std::string& dir)
      : payloads_(dir + "/payloads.bin", std::ios::binary | std::ios::trunc),
        offsets_(dir + "/offsets.npy", "<i8", 8) {
    if (!payloads_) throw IoError(dir + "/payloads.bin: cannot create", dir + "/payloads.bin");
    pending_.push_back(0);
  }
  void write(std::span<const std::byte> payload) {
    payloads_.write(reinterpret_cast<const char*>(payload.data()),
                    static_cast<std::streamsize>(payload.size()));
    end_ += static_cast<std::int64_t>(payload.size());
    pending_.push_back(end_);
    if (pending_.size() >= 4096) flush();
  }
  void close() {
    flush();
    offsets_.close();
    payloads_.close();
    if (!payloads_) throw IoError("payloads.bin: write failed", "payloads.bin");
  }

 private:
  void flush() {
    offsets_.append(bytes_of(pending_), pending_.size());
    pending_.clear();
  }
  std::ofstream payloads_;
  format::NpyWriter offsets_;
  std::vector<std::int64_t> pending_;
  std::int64_t end_ = 0;
};

int run_read(const ReadOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  EnvironmentOptions env_options;
  if (!options.root.empty()) env_options.root = options.root;
  env_options.probe_devices = false;
  const Environment environment = Environment::load(env_options);
  const ChannelConfig& channel = environment.channel(options.channel);

  std::optional<format::DataFormat> requested;
  if (!options.format.empty()) requested = format::parse_data_format(options.format);
  const format::DataFormat data_format = format::resolve_data_format(channel, requested);
  if (options.delimiter.size() != 1) throw ConfigError("--delimiter takes one character");
  if (options.batch_size == 0) throw ConfigError("--batch-size must be positive");

  io::ChannelReadOptions read;
  read.epochs = options.epochs;
  read.pipe_timeout = std::chrono::milliseconds(static_cast<long long>(options.pipe_timeout_seconds * 1000));
  io::ChannelSource source(environment, options.channel, read);

  format::FramerOptions framing;
  framing.max_record_bytes = options.max_record_bytes;
  const format::RecordFormat record_format =
      data_format == format::DataFormat::kCsv        ? format::RecordFormat::kCsv
      : data_format == format::DataFormat::kTFRecord ? format::RecordFormat::kTFRecord
      : data_format == format::DataFormat::kLines    ? format::RecordFormat::kLines
                                                     : format::RecordFormat::kRecordIO;
  format::RecordReader reader(source, record_format, framing);

  format::CsvDecodeOptions csv;
  csv.label_size = options.label_size.value_or(format::label_size_from(channel).value_or(0));
  csv.delimiter = options.delimiter[0];
  csv.header = options.header;
  csv.empty_is_nan = !options.empty_is_error;
  csv.bad_records = options.bad_records == "skip"   ? format::BadRecordPolicy::kSkip
                    : options.bad_records == "warn" ? format::BadRecordPolicy::kWarn
                                                    : format::BadRecordPolicy::kError;
  format::CsvDecoder csv_decoder(csv);
  // .npy output is dense: densify in the decoder, which bounds the width a record's shape can ask for.
  format::RecordIOProtobufOptions protobuf_options;
  protobuf_options.densify = options.densify || !options.output.empty();
  protobuf_options.max_row_bytes = options.max_record_bytes;
  format::RecordIOProtobufDecoder protobuf_decoder(protobuf_options);

  const bool numeric =
      data_format == format::DataFormat::kCsv || data_format == format::DataFormat::kRecordIOProtobuf;
  std::unique_ptr<NumericOutput> numeric_output;
  std::unique_ptr<RawOutput> raw_output;
  if (!options.output.empty()) {
    std::filesystem::create_directories(options.output);
    if (numeric) {
      numeric_output = std::make_unique<NumericOutput>(options.output);
    } else {
      raw_output = std::make_unique<RawOutput>(options.output);
    }
  }

  format::DecodedRows batch;
  std::uint64_t rows = 0;
  std::uint64_t skipped = 0;
  std::uint64_t batches = 0;
  const auto flush = [&] {
    if (batch.rows == 0) return;
    rows += batch.rows;
    ++batches;
    if (numeric_output) numeric_output->write(batch);
    batch.clear();
  };
  while (auto record = reader.next()) {
    if (data_format == format::DataFormat::kCsv) {
      if (csv_decoder.decode(record->payload, record->place, batch) == format::CsvDecoder::Outcome::kSkipped)
        ++skipped;
    } else if (data_format == format::DataFormat::kRecordIOProtobuf) {
      protobuf_decoder.decode(record->payload, record->place, batch);
    } else {
      ++rows;
      if (raw_output) raw_output->write(record->payload);
      continue;
    }
    if (batch.rows >= options.batch_size) flush();
  }
  flush();
  if (numeric_output) numeric_output->close();
  if (raw_output) raw_output->close();

  if (options.stats) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto& reader_stats = reader.stats();
    nlohmann::json stats = {
        {"channel", channel.name},
        {"format", std::string(format::to_string(data_format))},
        {"mode", std::string(to_string(source.mode()))},
        {"epochs", options.epochs},
        {"records", reader_stats.records},
        {"rows", rows},
        {"skipped_blank_or_header", skipped},
        {"bad_records", csv_decoder.bad_records()},
        {"payload_bytes", reader_stats.payload_bytes},
        {"records_spanning_chunks", reader_stats.gathered_records},
        {"batches", batches},
        {"seconds", seconds},
        {"records_per_second", seconds > 0 ? static_cast<double>(reader_stats.records) / seconds : 0.0},
        {"payload_bytes_per_second",
         seconds > 0 ? static_cast<double>(reader_stats.payload_bytes) / seconds : 0.0},
    };
    std::cout << stats.dump() << '\n';
  }
  return 0;
}

}  // namespace

CommandRunner add_read_command(CLI::App& app) {
  auto options = std::make_shared<ReadOptions>();
  CLI::App* command = app.add_subcommand(
      "read",
      "Decode a channel's records (format from its ContentType unless named); write them with --output, "
      "or only measure");
  command->add_option("--channel", options->channel, "Channel name")->required();
  command->add_option("--root", options->root,
                      "Job base directory (default: $SAGEMAKER_BASE_DIR, else /opt/ml)");
  command->add_option("--format", options->format, "csv, recordio-protobuf, recordio, tfrecord or lines")
      ->check(CLI::IsMember({"csv", "recordio-protobuf", "recordio", "tfrecord", "lines"}));
  command->add_option("--label-size", options->label_size,
                      "CSV: leading label columns (default: the ContentType's label_size, else 0)");
  command->add_option("--delimiter", options->delimiter, "CSV field delimiter")->capture_default_str();
  command->add_flag("--header", options->header, "CSV: the first row of each file is a header");
  command->add_flag("--empty-is-error", options->empty_is_error,
                    "CSV: an empty field is a bad record (default: NaN)");
  command
      ->add_option("--bad-records", options->bad_records, "error, skip (counted) or warn (counted, printed)")
      ->check(CLI::IsMember({"error", "skip", "warn"}))
      ->capture_default_str();
  command->add_flag("--densify", options->densify, "RecordIO-protobuf: decode sparse rows as dense");
  command->add_option("--batch-size", options->batch_size, "Rows decoded per batch")->capture_default_str();
  command->add_option("--epochs", options->epochs, "Epochs to read")->capture_default_str();
  command->add_option("--pipe-timeout", options->pipe_timeout_seconds, "Pipe mode: seconds to wait per FIFO")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--max-record-bytes", options->max_record_bytes, "Largest record accepted")
      ->capture_default_str();
  command->add_option(
      "--output", options->output,
      "Write features.npy and labels.npy (float32, rows in delivery order; sparse densified), "
      "or for raw formats payloads.bin and offsets.npy");
  command->add_flag("--stats", options->stats, "Print a JSON object of counts and timings");
  return [options] { return run_read(*options); };
}

}  // namespace chanload::cli
