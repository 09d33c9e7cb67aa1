// The sizing answer: from the stages measured, how many cores a loader needs for a target rate,
// which stage limits it, and what its prefetch holds in memory.
//
// The model follows the loader's design: the reader stage (read, decompress, frame) spreads over its
// threads, one per object in flight; the batcher is one serial thread; `threads` workers decode. So
// a loader's cores for R records/s are R times the three stages' CPU seconds per record, its
// ceiling is the lowest of the reader stage's (threads / reader cost) and the batcher's
// (1 / batcher cost), and R above that ceiling needs the data split among loaders. The costs come
// from the shipped loader's own CPU time per stage (LoaderStats::cpu_seconds) when it was measured
// end to end, else from the stages measured one at a time (one reader thread, no batcher).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace chanload::sizing {

// Seconds of one core per record in each of the loader's stages.
struct LoaderCosts {
  double reader = 0;                // the reader stage: read, decompress, frame (spread over reader_threads)
  double batcher = 0;               // the batcher, one thread: shard rule, window, units
  double decode = 0;                // a decode worker: decoding and batch assembly
  std::size_t reader_threads = 1;   // the reader stage's threads that have an object to read
  bool measured_in_loader = false;  // from LoaderStats' CPU time (else from the stages one by one)
};

// The model's records/s for one loader with decode_threads workers on `cores` cores: the lowest
// of the decode workers', the reader stage's, the batcher's and the cores' ceilings.
double model_records_per_second(const LoaderCosts& costs, double cores, std::size_t decode_threads);

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
  std::optional<LoaderCosts> costs;                   // the loader's own, measured end to end
};

// The costs the model uses: rates.costs, or (without them) the stages measured one by one.
LoaderCosts costs_of(const StageRates& rates);

struct SizingTarget {
  std::optional<double> records_per_second;  // --target-records-per-sec, or gpus x per-GPU rate
  std::size_t gpus = 0;
  double records_per_gpu_per_second = 0;
};

struct Sizing {
  LoaderCosts costs;
  double serial_records_per_second = 0;  // one loader's ceiling: its reader stage's or its batcher's
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
  // The model against the measured end-to-end rates of this machine: [t - 1] for t decode threads,
  // model / measured - 1 (how far to trust its answers elsewhere).
  std::vector<double> model_error;
};

// Throws std::invalid_argument when rates are missing (no decode or end-to-end figure, a zero rate).
Sizing size_loader(const StageRates& rates, const SizingTarget& target);

}  // namespace chanload::sizing
