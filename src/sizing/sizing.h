// The sizing answer: from the stages measured one at a time, how many cores a loader needs for a
// target rate, which stage limits it, and what its prefetch holds in memory.
//
// The model follows the loader's design: one reader thread per loader reads, decompresses and frames
// (so those stages add up and cannot be spread over cores), and `threads` workers decode (so decode
// scales with cores). A loader's cores for R records/s are R/serial for the reader plus R/decode1
// for the workers; R above `serial` needs the data split among loaders.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace chanload::sizing {

struct StageRates {  // records per second
  double read = 0;
  std::optional<double> decompress;  // none when the data is not compressed
  double frame = 0;
  std::vector<double> decode;      // [t - 1]: with t threads
  std::vector<double> end_to_end;  // [t - 1]: the loader with t decode threads, measured
  std::size_t cores = 1;           // this machine's
  std::size_t decoded_row_bytes = 0;
  std::size_t batch_size = 1024;
  std::size_t prefetch_batches = 4;
  std::optional<double> h2d_pinned_bytes_per_second;  // when a GPU was measured
};

struct SizingTarget {
  std::optional<double> records_per_second;  // --target-records-per-sec, or gpus x per-GPU rate
  std::size_t gpus = 0;
  double records_per_gpu_per_second = 0;
};

struct Sizing {
  double serial_records_per_second = 0;  // the reader thread's ceiling (read + decompress + frame)
  double decode_records_per_second_per_core = 0;
  double model_max_records_per_second = 0;  // this machine, every core, by the model
  double measured_best_records_per_second = 0;
  std::size_t measured_best_threads = 0;
  std::string limiting_stage;  // at the target, or at this machine's maximum without one
  std::optional<double> target_records_per_second;
  std::optional<double> cores_needed;  // fractional: the reader's share plus the decode workers'
  std::optional<std::size_t> decode_threads_needed;
  std::optional<std::size_t> loaders_needed;  // > 1 when one reader thread cannot keep up
  bool target_fits_this_machine = false;      // the loader's cores fit in this machine's
  std::size_t prefetch_memory_bytes = 0;      // the batch pool: (prefetch_batches + 1) batches
  // Host-to-device bytes per second each GPU must take (the whole target with no GPU count), and the
  // share of the measured pinned bandwidth that is.
  std::optional<double> h2d_bytes_per_second_per_gpu;
  std::optional<double> h2d_share_of_pinned_bandwidth;
  std::vector<std::string> advice;  // sentences for people
};

// Throws std::invalid_argument when rates are missing (no decode or end-to-end figure, a zero rate).
Sizing size_loader(const StageRates& rates, const SizingTarget& target);

}  // namespace chanload::sizing
