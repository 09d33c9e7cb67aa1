// chanload bench, the whole run: the data (generated, or a channel that exists), a job tree of its
// own around it, every stage measured on its own, the loader end to end for 1..cores decode threads,
// host-to-device bandwidth when a GPU is there, and the sizing answer.
#pragma once

#include <chanload/environment.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "format/data_format.h"
#include "memory/h2d_bandwidth.h"
#include "sizing/sizing.h"
#include "sizing/stages.h"
#include "sizing/synthetic_data.h"

namespace chanload::sizing {

struct BenchConfig {
  // A channel's folder of files, or a job root (it has input/config/inputdataconfig.json) whose
  // channel `channel` is measured. Without it, synthetic data from `synthetic` is generated.
  std::optional<std::filesystem::path> data;
  std::string channel;                       // with a job root; default "train", or its only channel
  std::optional<format::DataFormat> format;  // default: the channel's ContentType, or csv for a folder
  std::optional<std::size_t> label_size;     // CSV; default: the ContentType's, or 1 for synthetic data
  SyntheticSpec synthetic;
  InputMode mode = InputMode::kFile;  // Pipe: the files go through a FIFO fed by the bench itself
  std::size_t batch_size = 1024;
  std::size_t max_threads = 0;  // decode and end to end for 1..max_threads; 0: the cores
  std::size_t prefetch_batches = 4;
  std::uint64_t sample_bytes = std::uint64_t{256} << 20;  // stored bytes measured (a file beyond them is cut)
  RepeatOptions repeat;
  int device = 0;                  // the GPU whose bandwidth is measured, when there is one
  std::filesystem::path work_dir;  // the generated data and the bench's job tree go here
};

struct BenchReport {
  std::string source;  // "synthetic" or the path measured
  std::string format;
  std::string mode;
  std::string compression;  // synthetic: as asked; else "none", or "detected" when some file is compressed
  std::size_t files = 0;    // in the sample
  std::size_t files_total = 0;
  // Files larger than what was left of the sample: their first complete records were measured.
  std::vector<std::string> cut_files;
  std::uint64_t records = 0;
  std::uint64_t stored_bytes = 0;
  std::uint64_t bytes = 0;
  std::size_t decoded_row_bytes = 0;
  std::size_t cores = 0;
  std::string cpu;
  std::size_t batch_size = 0;

  Throughput read;
  std::optional<Throughput> decompress;
  Throughput frame;
  std::vector<Throughput> decode;      // [t - 1]
  std::vector<Throughput> end_to_end;  // [t - 1]
  std::vector<std::size_t> end_to_end_peak_memory;
  // [t - 1]: the loader's CPU seconds per record in each stage over those passes (its stats).
  std::vector<LoaderCosts> end_to_end_costs;
  std::size_t objects_in_flight = 0;  // the loader's reader threads on this machine
  // How mixed the loader delivers the sample, in stored order and shuffled (a window of 1% of the
  // records, the default interleave): LoaderStats' figures from one pass each.
  struct ShuffleQuality {
    std::size_t window = 0;
    double stored_correlation = 0;
    double stored_objects_per_batch = 0;
    double shuffled_correlation = 0;
    double shuffled_objects_per_batch = 0;
  };
  ShuffleQuality shuffle;
  std::optional<memory::H2dBandwidth> h2d;
  std::string h2d_unavailable;  // why h2d is empty
  Sizing sizing;
};

// Runs the whole benchmark; progress(text) is told each step as it starts. Throws what the stages
// throw (ConfigError for a config it cannot measure, DataError naming the file for bad data).
BenchReport run_bench(const BenchConfig& config, const SizingTarget& target,
                      const std::function<void(const std::string&)>& progress);

// The cores this process may run on (its CPU affinity).
std::size_t available_cores();

}  // namespace chanload::sizing
