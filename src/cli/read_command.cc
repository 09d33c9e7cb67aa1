// chanload read: a channel through the loader (sharded, shuffled, batched); writes the records as
// NumPy files, or only measures.
#include <chanload/environment.h>
#include <chanload/errors.h>
#include <chanload/loader.h>
#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "cli/loader_option_flags.h"
#include "cli/whole_number.h"
#include "format/npy_writer.h"

namespace chanload::cli {
namespace {

struct ReadOptions {
  std::string root;
  std::string channel;
  LoaderOptionFlags loader;  // every loader option, from the one table
  std::optional<std::uint64_t> max_batches;
  std::string save_state;
  std::string output;
  bool stats = false;
};

template <typename T>
std::span<const std::byte> bytes_of(const std::vector<T>& v) {
  return std::as_bytes(std::span<const T>(v));
}

// --output's files are written under hidden temporary names and renamed into place only when the run
// succeeds. On an error or a signal the temporary files and any older result under the final names
// are removed: nothing is left that loads as this run's result.
class OutputFolder {
 public:
  explicit OutputFolder(std::string dir) : dir_(std::move(dir)) { std::filesystem::create_directories(dir_); }
  ~OutputFolder() {
    if (!committed_) abandon();
  }
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;

  std::string partial(const std::string& name) {
    names_.push_back(name);
    return partial_path(name);
  }
  void commit() {
    for (const std::string& name : names_) {
      const std::string target = dir_ + "/" + name;
      if (std::rename(partial_path(name).c_str(), target.c_str()) != 0)
        throw IoError(target + ": cannot move the output into place: " + std::strerror(errno), target);
    }
    committed_ = true;
  }
  void abandon() noexcept {
    for (const char* name : {"features.npy", "labels.npy", "payloads.bin", "offsets.npy"}) {
      std::error_code ignored;
      std::filesystem::remove(partial_path(name), ignored);
      std::filesystem::remove(dir_ + "/" + name, ignored);
    }
  }

 private:
  [[nodiscard]] std::string partial_path(const std::string& name) const {
    return dir_ + "/." + name + ".partial";
  }

  std::string dir_;
  std::vector<std::string> names_;
  bool committed_ = false;
};

// SIGINT and SIGTERM end a read between batches: the outputs are abandoned and --save-state written.
std::atomic<int> g_stop_signal{0};
extern "C" void note_stop_signal(int signal_number) { g_stop_signal.store(signal_number); }

void write_state(const std::string& path, const LoaderState& state) {
  std::ofstream out(path, std::ios::trunc);
  out << state.to_json() << '\n';
  out.close();
  if (!out) throw IoError(path + ": cannot write the state", path);
}

// The numeric outputs: features.npy and labels.npy (dense rows), <f4 or <f8 as the loader's dtype.
class NumericOutput {
 public:
  NumericOutput(OutputFolder& folder, DType dtype)
      : features_(folder.partial("features.npy"), npy_type(dtype), size_of(dtype)),
        labels_(folder.partial("labels.npy"), npy_type(dtype), size_of(dtype)) {}
  void write(const Batch& batch) {
    if (batch.kind() != BatchKind::kDense)
      throw std::logic_error("NumericOutput takes dense batches (densified)");
    features_.set_columns(batch.columns());
    labels_.set_columns(batch.label_size());
    if (batch.dtype() == DType::kFloat64) {
      features_.append(std::as_bytes(batch.features_f64()), batch.rows());
      labels_.append(std::as_bytes(batch.labels_f64()), batch.rows());
    } else {
      features_.append(std::as_bytes(batch.features()), batch.rows());
      labels_.append(std::as_bytes(batch.labels()), batch.rows());
    }
  }
  // No batch came (an empty channel): arrays of shape (0, 0).
  void set_empty() {
    features_.set_columns(0);
    labels_.set_columns(0);
  }
  void close() {
    features_.close();
    labels_.close();
  }

 private:
  static std::string npy_type(DType dtype) { return dtype == DType::kFloat64 ? "<f8" : "<f4"; }

  format::NpyWriter features_;
  format::NpyWriter labels_;
};

// Raw records: payloads.bin (every payload, back to back) and offsets.npy (int64, records + 1).
class RawOutput {
 public:
  explicit RawOutput(OutputFolder& folder)
      : payloads_path_(folder.partial("payloads.bin")),
        payloads_(payloads_path_, std::ios::binary | std::ios::trunc),
        offsets_(folder.partial("offsets.npy"), "<i8", 8) {
    if (!payloads_) throw IoError(payloads_path_ + ": cannot create", payloads_path_);
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
    if (!payloads_) throw IoError(payloads_path_ + ": write failed", payloads_path_);
  }

 private:
  void flush() {
    offsets_.append(bytes_of(pending_), pending_.size());
    pending_.clear();
  }
  std::string payloads_path_;
  std::ofstream payloads_;
  format::NpyWriter offsets_;
  std::vector<std::int64_t> pending_;
  std::int64_t end_ = 0;
};

int run_read(ReadOptions options) {
  const auto started = std::chrono::steady_clock::now();
  EnvironmentOptions env_options;
  if (!options.root.empty()) env_options.root = options.root;
  env_options.probe_devices = false;
  const Environment environment = Environment::load(env_options);

  LoaderOptions loader_options = options.loader.options();
  // .npy output is dense: sparse RecordIO-protobuf is densified (bounded by max_record_bytes).
  if (!options.output.empty()) loader_options.densify = true;

  Loader loader(environment, options.channel, loader_options);
  const LoaderState initial_state = loader.state();
  g_stop_signal.store(0);
  // SA_RESETHAND: a second signal has its default effect, should stopping ever hang.
  struct sigaction action {};
  action.sa_handler = note_stop_signal;
  action.sa_flags = static_cast<int>(SA_RESETHAND);
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  std::optional<OutputFolder> output;
  if (!options.output.empty()) output.emplace(options.output);
  std::unique_ptr<NumericOutput> numeric_output;
  std::unique_ptr<RawOutput> raw_output;
  const auto open_output = [&](bool raw) {
    if (raw) {
      raw_output = std::make_unique<RawOutput>(*output);
    } else {
      numeric_output = std::make_unique<NumericOutput>(*output, loader_options.dtype);
    }
  };
  std::uint64_t batches = 0;
  std::uint64_t rows = 0;
  std::uint64_t padding_rows = 0;  // --last-batch pad's zero rows: in the .npy files, not in rows
  while (!options.max_batches || batches < *options.max_batches) {
    bool timed_out = false;
    const std::optional<Batch> batch = loader.next(std::chrono::milliseconds(100), timed_out);
    if (const int signal_number = g_stop_signal.load(); signal_number != 0) {
      loader.stop();
      numeric_output.reset();
      raw_output.reset();
      output.reset();  // abandoned: removed
      // The state says what the outputs hold: with --output, nothing (they are removed), so the
      // state is where this run began; without, where it stopped.
      if (!options.save_state.empty())
        write_state(options.save_state, options.output.empty() ? loader.state() : initial_state);
      std::cerr << "chanload: stopped by " << (signal_number == SIGINT ? "SIGINT" : "SIGTERM") << " after "
                << batches << " batches" << (options.output.empty() ? "" : "; the output was removed")
                << (options.save_state.empty() ? "" : "; the state is in " + options.save_state) << '\n';
      return 128 + signal_number;
    }
    if (timed_out) continue;
    if (!batch) break;
    ++batches;
    rows += batch->rows() - batch->padding_rows();
    padding_rows += batch->padding_rows();
    if (!output) continue;
    if (!numeric_output && !raw_output) open_output(batch->kind() == BatchKind::kRaw);
    if (raw_output) {
      for (std::size_t r = 0; r < batch->rows(); ++r) raw_output->write(batch->payload(r));
    } else {
      numeric_output->write(*batch);
    }
  }
  if (output) {
    // An empty channel still writes its (empty) arrays: an older result must not stand for this one.
    if (!numeric_output && !raw_output) {
      const std::string& format = loader.format();
      open_output(format != "csv" && format != "recordio-protobuf");
      if (numeric_output) numeric_output->set_empty();
    }
    if (numeric_output) numeric_output->close();
    if (raw_output) raw_output->close();
    output->commit();
  }
  if (!options.save_state.empty()) write_state(options.save_state, loader.state());

  if (options.stats) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const LoaderStats stats = loader.stats();
    const ChannelConfig& channel = environment.channel(options.channel);
    // The loader's own counts (LoaderStats::to_json, as Python's Loader.stats()), then the run's.
    nlohmann::ordered_json json = nlohmann::ordered_json::parse(stats.to_json());
    const nlohmann::ordered_json run = {
        {"channel", channel.name},
        {"format", loader.format()},
        {"dtype", std::string(to_string(loader_options.dtype))},
        {"mode", std::string(to_string(loader_options.mode.value_or(channel.mode)))},
        {"epochs", loader_options.epochs},
        {"num_shards", loader.num_shards()},
        {"shard_index", loader.shard_index()},
        {"sharding", loader.sharding_reason()},
        {"threads", loader.threads()},
        {"objects_in_flight", loader.objects_in_flight()},
        {"records", stats.read.records - stats.resumed_past},  // delivered, or skipped by policy
        {"rows", rows},
        {"padding_rows", padding_rows},
        {"batches", batches},
        {"payload_bytes", stats.read.bytes},
        {"state", nlohmann::json::parse(loader.state().to_json())},
        {"seconds", seconds},
        {"records_per_second", seconds > 0 ? static_cast<double>(stats.read.records) / seconds : 0.0},
        {"payload_bytes_per_second", seconds > 0 ? static_cast<double>(stats.read.bytes) / seconds : 0.0},
    };
    for (const auto& [key, value] : run.items()) json[key] = value;
    std::cout << json.dump() << '\n';
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
  options->loader.add_to(*command);
  command->add_option("--max-batches", options->max_batches, "Stop after this many batches")
      ->check(whole_number());
  command->add_option("--save-state", options->save_state, "Write the loader's state (JSON) here at the end");
  command->add_option(
      "--output", options->output,
      "Write features.npy and labels.npy (--dtype, rows in delivery order; sparse densified), "
      "or for raw formats payloads.bin and offsets.npy");
  command->add_flag("--stats", options->stats, "Print a JSON object of counts, stage timings and the state");
  return [options] { return run_read(*options); };
}

}  // namespace chanload::cli
