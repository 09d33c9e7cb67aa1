#include "sizing/bench_run.h"

#include <chanload/errors.h>
#include <sched.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "io/listing.h"
#include "sizing/sample.h"
#include "sizing/sample_cut.h"

namespace chanload::sizing {
namespace {

namespace fs = std::filesystem;

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

std::string content_type_for(format::DataFormat format, std::size_t label_size) {
  switch (format) {
    case format::DataFormat::kCsv:
      return "text/csv;label_size=" + std::to_string(label_size);
    case format::DataFormat::kRecordIOProtobuf:
      return "application/x-recordio-protobuf";
    case format::DataFormat::kRecordIO:
      return "application/x-recordio";
    case format::DataFormat::kTFRecord:
      return "application/x-tfrecord";
    case format::DataFormat::kLines:
      return "text/plain";
  }
  return "text/plain";
}

// What is measured: the files, their format and label count.
struct DataChoice {
  std::string source;
  std::vector<std::string> files;
  format::DataFormat format = format::DataFormat::kCsv;
  std::size_t label_size = 0;
  std::string compression;
};

DataChoice choose_existing(const BenchConfig& config) {
  DataChoice choice;
  const fs::path& data = *config.data;
  choice.source = data.string();
  if (fs::exists(data / "input/config/inputdataconfig.json")) {
    EnvironmentOptions options;
    options.root = data;
    options.probe_devices = false;
    const Environment environment = Environment::load(options);
    std::string channel = config.channel;
    if (channel.empty()) {
      const auto& channels = environment.channels();
      channel = channels.size() == 1 ? channels.front().name : "train";
    }
    const ChannelConfig& channel_config = environment.channel(channel);
    choice.format = format::resolve_data_format(channel_config, config.format);
    choice.label_size = config.label_size.value_or(format::label_size_from(channel_config).value_or(0));
    const fs::path folder = data / "input/data" / channel;
    choice.files = io::list_channel_files(folder.string());
    choice.source = folder.string();
    if (choice.files.empty()) {
      throw ConfigError("channel \"" + channel + "\" has no files under " + folder.string() +
                        " to measure (a Pipe-mode channel's data must be given as a folder of files)");
    }
  } else {
    if (!fs::is_directory(data)) {
      throw ConfigError(data.string() + ": --data takes a channel's folder of files or a job root");
    }
    choice.format = config.format.value_or(format::DataFormat::kCsv);
    choice.label_size = config.label_size.value_or(0);
    choice.files = io::list_channel_files(data.string());
    if (choice.files.empty()) throw ConfigError(data.string() + ": no files to measure");
  }
  return choice;
}

// The bench's own job tree: one channel "bench" over the sample's files (File mode: links to them;
// Pipe mode: the FIFO the feeder creates for each pass).
fs::path write_job(const fs::path& root, const DataChoice& choice, const std::vector<std::string>& files,
                   InputMode mode) {
  fs::remove_all(root);
  fs::create_directories(root / "input/config");
  fs::create_directories(root / "input/data");
  const nlohmann::json config = {{"bench",
                                  {{"ContentType", content_type_for(choice.format, choice.label_size)},
                                   {"TrainingInputMode", mode == InputMode::kPipe ? "Pipe" : "File"},
                                   {"S3DistributionType", "FullyReplicated"}}}};
  std::ofstream(root / "input/config/inputdataconfig.json") << config.dump(2) << '\n';
  if (mode == InputMode::kFile) {
    const fs::path folder = root / "input/data/bench";
    fs::create_directories(folder);
    char prefix[32];
    for (std::size_t i = 0; i < files.size(); ++i) {
      std::snprintf(prefix, sizeof prefix, "%06zu-", i);  // keeps the files' order, whatever their names
      fs::create_symlink(fs::absolute(files[i]), folder / (prefix + fs::path(files[i]).filename().string()));
    }
  }
  return root;
}

}  // namespace

std::size_t available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    return static_cast<std::size_t>(std::max(CPU_COUNT(&set), 1));
  return std::max(std::thread::hardware_concurrency(), 1U);
}

BenchReport run_bench(const BenchConfig& config, const SizingTarget& target,
                      const std::function<void(const std::string&)>& progress) {
  if (config.batch_size == 0) throw ConfigError("--batch-size must be at least 1");
  if (config.work_dir.empty()) throw ConfigError("the bench needs a work directory");
  BenchReport report;
  report.cores = available_cores();
  report.cpu = cpu_model();
  report.batch_size = config.batch_size;
  const std::size_t max_threads = config.max_threads > 0 ? config.max_threads : report.cores;

  DataChoice choice;
  if (config.data) {
    choice = choose_existing(config);
  } else {
    progress("generating " + std::to_string(config.synthetic.rows) + " rows of " +
             std::string(format::to_string(config.synthetic.format)));
    const SyntheticData data = write_synthetic_channel(config.synthetic, config.work_dir / "data");
    choice.source = "synthetic";
    choice.files = data.files;
    choice.format = config.synthetic.format;
    choice.label_size = config.label_size.value_or(1);
    choice.compression = std::string(to_string(config.synthetic.compression));
  }
  report.source = choice.source;
  report.format = std::string(format::to_string(choice.format));
  report.mode = std::string(to_string(config.mode));
  report.files_total = choice.files.size();

  format::FramerOptions framer_options;
  // Whole files while they fit in --sample-mib; the file that does not is cut to what is left (so
  // one huge object is never read whole), and the sample ends there.
  std::vector<std::string> sample_files;
  std::uint64_t stored = 0;
  const std::uint64_t sample_bytes = std::max<std::uint64_t>(config.sample_bytes, 1);
  for (const auto& file : choice.files) {
    if (stored >= sample_bytes) break;
    const std::uint64_t left = sample_bytes - stored;
    const std::uint64_t size = fs::file_size(file);
    if (size <= left) {
      sample_files.push_back(file);
      stored += size;
      continue;
    }
    const fs::path cut_path = config.work_dir / "sample" / fs::path(file).filename();
    progress("cutting " + file + " to the sample");
    const auto cut =
        write_cut_file(file, left, format::record_format_of(choice.format), framer_options, cut_path);
    if (!cut && sample_files.empty()) {
      throw ConfigError(file + ": no complete record in its first " + std::to_string(left) +
                        " bytes (--sample-mib): raise it");
    }
    if (cut) {
      sample_files.push_back(cut_path.string());
      report.cut_files.push_back(file);
    }
    break;
  }
  progress("loading " + std::to_string(sample_files.size()) + " file(s) into memory");
  DecodeSettings settings;
  settings.format = choice.format;
  settings.label_size = choice.label_size;
  const Sample sample(sample_files, settings, framer_options);
  if (sample.data_records() == 0) throw ConfigError(choice.source + ": no records to measure");
  report.files = sample.files().size();
  report.records = sample.data_records();
  report.stored_bytes = sample.stored_bytes();
  report.bytes = sample.bytes();
  report.decoded_row_bytes = sample.decoded_row_bytes();
  if (choice.compression.empty())
    choice.compression = sample.bytes() != sample.stored_bytes() ? "detected" : "none";
  report.compression = choice.compression;

  const fs::path root = write_job(config.work_dir / "job", choice, sample_files, config.mode);
  EnvironmentOptions env_options;
  env_options.root = root;
  env_options.probe_devices = false;
  const Environment environment = Environment::load(env_options);
  const std::uint64_t records = sample.data_records();
  const std::chrono::milliseconds pipe_timeout(60000);

  progress(config.mode == InputMode::kPipe ? "read (through a FIFO)" : "read");
  report.read = repeat(sample.stored_bytes(), records, config.repeat, [&] {
    if (config.mode == InputMode::kPipe) {
      read_fifo(sample, environment.channel("bench").path.string() + "_0", pipe_timeout);
    } else {
      read_files(sample);
    }
  });
  const bool compressed = sample.bytes() != sample.stored_bytes();
  if (compressed) {
    progress("decompress");
    report.decompress = repeat(sample.bytes(), records, config.repeat, [&] { decompress(sample); });
  }
  progress("frame");
  report.frame = repeat(sample.bytes(), records, config.repeat, [&] { frame(sample, framer_options); });
  DecodeWork decode_work(sample, config.batch_size);
  for (std::size_t t = 1; t <= max_threads; ++t) {
    progress("decode, " + std::to_string(t) + " thread(s)");
    report.decode.push_back(repeat(sample.bytes(), records, config.repeat, [&] { decode(decode_work, t); }));
  }
  LoaderOptions loader;
  loader.format = report.format;
  loader.label_size = choice.label_size;
  loader.batch_size = config.batch_size;
  loader.prefetch_batches = config.prefetch_batches;
  loader.num_shards = 1;
  loader.shard_index = 0;
  loader.mode = config.mode;
  loader.pipe_timeout = pipe_timeout;
  // The bench job's channel links to the user's files (write_job): outside its folder by design.
  loader.follow_links_outside_channel = true;
  for (std::size_t t = 1; t <= max_threads; ++t) {
    progress("end to end, " + std::to_string(t) + " decode thread(s)");
    loader.threads = t;
    std::size_t peak = 0;
    double read_cpu = 0;
    double batch_cpu = 0;
    double decode_cpu = 0;
    std::uint64_t passes = 0;
    report.end_to_end.push_back(repeat(sample.bytes(), records, config.repeat, [&] {
      const EndToEndPass pass = end_to_end(environment, "bench", loader, sample);
      if (pass.rows != records) {
        throw Error("the loader delivered " + std::to_string(pass.rows) + " rows of " +
                    std::to_string(records) + " (" + choice.source + ")");
      }
      peak = std::max(peak, pass.peak_memory_bytes);
      read_cpu += pass.read_cpu_seconds;
      batch_cpu += pass.batch_cpu_seconds;
      decode_cpu += pass.decode_cpu_seconds;
      report.objects_in_flight = pass.objects_in_flight;
      ++passes;
    }));
    report.end_to_end_peak_memory.push_back(peak);
    LoaderCosts costs;
    const double handled = static_cast<double>(passes) * static_cast<double>(records);
    costs.reader = read_cpu / handled;
    costs.batcher = batch_cpu / handled;
    costs.decode = decode_cpu / handled;
    // Pipe mode reads its one FIFO on one thread; File mode's threads each take an object.
    costs.reader_threads = config.mode == InputMode::kPipe
                               ? 1
                               : std::clamp<std::size_t>(sample_files.size(), 1, report.objects_in_flight);
    costs.measured_in_loader = true;
    report.end_to_end_costs.push_back(costs);
  }

  progress("shuffle quality");
  {
    loader.threads = max_threads;
    const EndToEndPass in_order = end_to_end(environment, "bench", loader, sample);
    LoaderOptions shuffled = loader;
    shuffled.shuffle_window = std::max<std::uint64_t>(records / 100, 1);
    shuffled.seed = 1;
    const EndToEndPass mixed = end_to_end(environment, "bench", shuffled, sample);
    report.shuffle = {shuffled.shuffle_window, in_order.order_correlation, in_order.objects_per_batch,
                      mixed.order_correlation, mixed.objects_per_batch};
  }

  progress("host-to-device bandwidth");
  const std::size_t block = std::max<std::size_t>(config.batch_size * report.decoded_row_bytes, 4096);
  report.h2d =
      memory::measure_h2d_bandwidth(config.device, block, config.repeat.min_seconds, report.h2d_unavailable);

  StageRates rates;
  rates.read = report.read.records_per_second();
  if (report.decompress) rates.decompress = report.decompress->records_per_second();
  rates.frame = report.frame.records_per_second();
  for (const auto& d : report.decode) rates.decode.push_back(d.records_per_second());
  for (const auto& e : report.end_to_end) rates.end_to_end.push_back(e.records_per_second());
  rates.cores = report.cores;
  rates.decoded_row_bytes = report.decoded_row_bytes;
  rates.batch_size = config.batch_size;
  rates.prefetch_batches = config.prefetch_batches;
  if (report.h2d) rates.h2d_pinned_bytes_per_second = report.h2d->pinned_bytes_per_second;
  // The costs of the one-worker passes: the least contended on a machine of few cores (with every
  // core decoding, the reader and batcher share them and their caches).
  if (!report.end_to_end_costs.empty() && report.end_to_end_costs.front().reader > 0 &&
      report.end_to_end_costs.front().decode > 0) {
    rates.costs = report.end_to_end_costs.front();
  }
  report.sizing = size_loader(rates, target);
  return report;
}

}  // namespace chanload::sizing
