// chanload bench: how fast one channel can be delivered on this machine, stage by stage, and the
// cores (or instance) a training job needs for a target rate.
#include <chanload/errors.h>
#include <unistd.h>

#include <chanload/loader_options.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/whole_number.h"
#include "memory/device_transfer.h"
#include "sizing/bench_report.h"
#include "sizing/bench_run.h"
#include "sizing/instance_report.h"
#include "sizing/instance_types.h"

namespace chanload::cli {
namespace {

struct BenchOptions {
  std::string data;
  std::string channel;
  std::string format;
  std::optional<std::size_t> label_size;
  std::uint64_t rows = 200000;
  std::size_t columns = 33;
  std::size_t files = 4;
  std::string compression = "none";
  std::string mode = "file";
  std::size_t batch_size = 1024;
  std::size_t threads = 0;
  std::size_t prefetch_batches = 4;
  double sample_mib = 256;
  double min_seconds = 0.3;
  std::string device = "cuda:0";
  std::optional<double> target_records_per_second;
  std::size_t gpus = 0;
  std::optional<double> records_per_gpu_per_second;
  std::optional<double> batches_per_gpu_per_second;
  std::string input_mode;  // --instances: File, FastFile or Pipe (default: --mode)
  std::string work_dir;
  std::string generate;
  bool json = false;
  bool no_progress = false;
  std::optional<std::string> instances;  // a pattern ("" for every type)
  std::string instance_table;
  std::string plot;
  double training_cores_per_gpu = sizing::FitAssumptions{}.training_cores_per_gpu;
  double core_speed = sizing::FitAssumptions{}.core_speed;
};

// A private directory for the generated data and the bench's job tree, removed at the end unless the
// user named it.
class WorkDir {
 public:
  explicit WorkDir(const std::string& requested) {
    if (!requested.empty()) {
      path_ = requested;
      std::filesystem::create_directories(path_);
      return;
    }
    std::string pattern = (std::filesystem::temp_directory_path() / "chanload-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw IoError("cannot create a temporary directory", pattern);
    path_ = pattern;
    owned_ = true;
  }
  ~WorkDir() {
    std::error_code ignored;
    if (owned_) std::filesystem::remove_all(path_, ignored);
  }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  bool owned_ = false;
};

int run_bench(const BenchOptions& options) {
  std::signal(SIGPIPE, SIG_IGN);  // a FIFO reader that stops early is an error from write(), not a signal
  if (options.records_per_gpu_per_second && options.batches_per_gpu_per_second) {
    throw ConfigError("give --records-per-gpu-per-sec or --batches-per-gpu-per-sec, not both");
  }
  // What one GPU consumes, in records: batches count --batch-size records each.
  std::optional<double> per_gpu = options.records_per_gpu_per_second;
  if (options.batches_per_gpu_per_second)
    per_gpu = *options.batches_per_gpu_per_second * static_cast<double>(options.batch_size);
  if (options.instances && !per_gpu) {
    throw ConfigError(
        "--instances needs --records-per-gpu-per-sec (or --batches-per-gpu-per-sec): what each "
        "GPU consumes");
  }
  if (!options.input_mode.empty() && !options.instances)
    throw ConfigError("--input-mode goes with --instances");
  if (!options.plot.empty() && !options.instances) throw ConfigError("--plot draws --instances' answer");
  // CLI11's ranges let "nan" through, and batches times the batch size may overflow.
  for (const auto& [flag, value] :
       {std::pair{"--records-per-gpu-per-sec or --batches-per-gpu-per-sec", per_gpu.value_or(1)},
        std::pair{"--core-speed", options.core_speed},
        std::pair{"--training-cores-per-gpu", options.training_cores_per_gpu},
        std::pair{"--target-records-per-sec", options.target_records_per_second.value_or(1)}}) {
    if (!std::isfinite(value)) throw ConfigError(std::string(flag) + " must be a finite number");
  }
  if (!options.instance_table.empty() && !options.instances) {
    throw ConfigError("--instance-table goes with --instances");
  }
  if (!options.instances && per_gpu.has_value() != (options.gpus > 0)) {
    throw ConfigError("--gpus and --records-per-gpu-per-sec go together");
  }
  if (options.target_records_per_second && options.gpus > 0) {
    throw ConfigError("give --target-records-per-sec or --gpus with --records-per-gpu-per-sec, not both");
  }
  sizing::BenchConfig config;
  if (!options.data.empty()) config.data = options.data;
  config.channel = options.channel;
  if (!options.format.empty()) config.format = format::parse_data_format(options.format);
  config.label_size = options.label_size;
  config.synthetic.rows = options.rows;
  config.synthetic.columns = options.columns;
  config.synthetic.files = options.files;
  config.synthetic.format = config.format.value_or(format::DataFormat::kCsv);
  config.synthetic.compression = options.compression == "gzip"   ? sizing::StoredCompression::kGzip
                                 : options.compression == "zstd" ? sizing::StoredCompression::kZstd
                                                                 : sizing::StoredCompression::kNone;
  config.mode = parse_loader_mode(options.mode);
  config.batch_size = options.batch_size;
  config.max_threads = options.threads;
  config.prefetch_batches = options.prefetch_batches;
  config.sample_bytes = static_cast<std::uint64_t>(options.sample_mib * 1024 * 1024);
  config.repeat.min_seconds = options.min_seconds;
  const int device = memory::parse_device(options.device);
  config.device = device < 0 ? 0 : device;

  if (!options.generate.empty()) {
    const sizing::SyntheticData data = sizing::write_synthetic_channel(config.synthetic, options.generate);
    std::cout << "wrote " << data.records << " records in " << data.files.size() << " file(s), "
              << data.stored_bytes << " bytes, to " << options.generate << " (ContentType "
              << data.content_type << ")\n";
    return 0;
  }

  sizing::SizingTarget target;
  target.records_per_second = options.target_records_per_second;
  target.gpus = options.gpus;
  target.records_per_gpu_per_second = per_gpu.value_or(0);

  // Read before the measuring starts: a table that does not parse is an error now, not in minutes.
  std::optional<sizing::InstanceTable> table;
  if (options.instances) {
    table = sizing::load_instance_table(
        options.instance_table.empty() ? std::nullopt : std::optional(options.instance_table));
  }
  if (!options.plot.empty()) sizing::check_plot_available();  // now, not after minutes of measuring
  if (table && sizing::match_instances(*table, *options.instances).empty()) {
    throw ConfigError("--instances " + *options.instances + ": no instance type in " + table->origin +
                      " matches (a substring such as p4d, or a glob such as 'ml.g5.*')");
  }
  if (options.instances && options.gpus == 0) {
    target.gpus = 1;  // this machine's own answer: one GPU at the rate asked
  }

  const WorkDir work_dir(options.work_dir);
  config.work_dir = work_dir.path();
  sizing::BenchReport report;
  {
    ProgressLine progress(stderr, !options.no_progress);
    report = sizing::run_bench(config, target, [&](const std::string& step) { progress.step(step); });
  }
  std::optional<sizing::InstanceReport> instances;
  if (options.instances) {
    sizing::FitAssumptions assumptions;
    assumptions.training_cores_per_gpu = options.training_cores_per_gpu;
    assumptions.core_speed = options.core_speed;
    const InputMode input_mode = options.input_mode.empty()         ? config.mode
                                 : options.input_mode == "FastFile" ? InputMode::kFastFile
                                                                    : parse_loader_mode(options.input_mode);
    instances = sizing::fit_instances(report, *table, *options.instances, *per_gpu,
                                      LoaderOptions{}.memory_budget_bytes, input_mode, assumptions);
  }
  if (options.json) {
    nlohmann::json out = sizing::report_json(report);
    if (instances) out["instances"] = sizing::instances_json(*instances);
    std::cout << out.dump(2) << '\n';
  } else {
    std::cout << sizing::report_table(report);
    if (instances) std::cout << sizing::instances_table(*instances);
  }
  if (!options.plot.empty()) {
    sizing::plot_instances(*instances, options.plot);
    if (!options.json) std::cout << "chart: " << options.plot << "\n";
  }
  return 0;
}

}  // namespace

CommandRunner add_bench_command(CLI::App& app) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* command = app.add_subcommand(
      "bench",
      "Measure how fast this machine delivers a channel, stage by stage (read, decompress, frame, decode, "
      "end to end for 1..cores threads, host-to-device when a GPU is there), and size the loader for a "
      "target");
  command->add_option("--data", options->data,
                      "A channel's folder of files, or a job root (with --channel); default: generated data");
  command->add_option("--channel", options->channel, "With a job root: the channel (default: train)");
  command
      ->add_option("--format", options->format,
                   "csv, recordio-protobuf or tfrecord for generated data; for --data also recordio or lines "
                   "(default: the channel's ContentType, else csv)")
      ->check(CLI::IsMember({"csv", "recordio-protobuf", "recordio", "tfrecord", "lines"}));
  command->add_option("--label-size", options->label_size, "CSV: leading label columns")
      ->check(whole_number());
  command->add_option("--rows", options->rows, "Generated data: rows")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->check(whole_number());
  command->add_option("--columns", options->columns, "Generated data: values per row, the label included")
      ->check(CLI::Range(2, 1 << 20))
      ->capture_default_str()
      ->check(whole_number());
  command->add_option("--files", options->files, "Generated data: files")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->check(whole_number());
  command->add_option("--compression", options->compression, "Generated data: none, gzip or zstd")
      ->check(CLI::IsMember({"none", "gzip", "zstd"}))
      ->capture_default_str();
  command->add_option("--mode", options->mode, "File, or Pipe (the bench feeds a FIFO itself)")
      ->check(CLI::IsMember({"File", "Pipe", "file", "pipe"}))
      ->capture_default_str();
  command->add_option("--batch-size", options->batch_size, "Records per batch")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->check(whole_number());
  command->add_option("--threads", options->threads, "Measure 1..N decode threads (0: the cores)")
      ->capture_default_str()
      ->check(whole_number());
  command->add_option("--prefetch-batches", options->prefetch_batches, "The loader's prefetch")
      ->capture_default_str()
      ->check(whole_number());
  command
      ->add_option("--sample-mib", options->sample_mib,
                   "Stored MiB measured: whole files while they fit, then the next cut to what is left")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--min-seconds", options->min_seconds, "Time each measurement at least this long")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--device", options->device, "The GPU whose copy bandwidth is measured")
      ->capture_default_str();
  command
      ->add_option("--target-records-per-sec", options->target_records_per_second,
                   "Size the loader for this rate")
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--gpus", options->gpus,
                   "Size this machine for this many GPUs (with --records-per-gpu-per-sec; --instances takes "
                   "each type's own count)")
      ->check(whole_number());
  command
      ->add_option("--records-per-gpu-per-sec", options->records_per_gpu_per_second,
                   "Records each GPU consumes per second")
      ->check(CLI::PositiveNumber);
  command->add_option(
      "--work-dir", options->work_dir,
      "Keep the generated data and the bench's job tree here (default: a temporary directory, "
      "removed)");
  command->add_option(
      "--generate", options->generate,
      "Only write the generated data (--format, --rows, --columns, --files, --compression) into "
      "this folder, and stop");
  command
      ->add_option("--instances", options->instances,
                   "Which SageMaker instance types keep their GPUs fed at --records-per-gpu-per-sec: those "
                   "whose name holds PATTERN (p4d, g5.) or matches it as a glob ('ml.g6*'); no PATTERN: "
                   "every type in the table")
      ->expected(0, 1)
      ->default_str("");
  command
      ->add_option("--batches-per-gpu-per-sec", options->batches_per_gpu_per_second,
                   "Batches (of --batch-size) each GPU consumes per second, instead of records")
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--input-mode", options->input_mode,
                   "With --instances: the channel's TrainingInputMode on the instance, File, FastFile or "
                   "Pipe (default: --mode); FastFile and Pipe stream from S3 as they are read")
      ->check(CLI::IsMember({"File", "FastFile", "Pipe"}));
  command->add_option("--instance-table", options->instance_table,
                      "An instance table of your own (data/instance_types.json's schema; default: the "
                      "built-in one)");
  command->add_option("--plot", options->plot,
                      "Draw --instances' answer into this PNG (needs python3 with matplotlib)");
  command
      ->add_option("--training-cores-per-gpu", options->training_cores_per_gpu,
                   "With --instances: cores each GPU's training process keeps from the loader")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command
      ->add_option("--core-speed", options->core_speed,
                   "With --instances: an instance core's speed for the loader against this machine's")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_flag("--json", options->json, "Print the JSON report instead of the table");
  command->add_flag("--no-progress", options->no_progress, "No progress line on the terminal");
  return [options] { return run_bench(*options); };
}

}  // namespace chanload::cli
