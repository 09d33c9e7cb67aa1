// chanload bench's measurements, one stage at a time: each function is one pass of a stage over the
// sample, and repeat() times passes until the measurement is long enough to trust.
#pragma once

#include <chanload/environment.h>
#include <chanload/loader_options.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "format/framer.h"
#include "pipeline/batch_job.h"
#include "pipeline/record_decoder.h"
#include "sizing/sample.h"

namespace chanload::sizing {

struct Throughput {
  std::uint64_t bytes = 0;    // moved by one pass
  std::uint64_t records = 0;  // handled by one pass
  double seconds = 0;         // the median pass
  std::size_t runs = 0;
  [[nodiscard]] double bytes_per_second() const {
    return seconds > 0 ? static_cast<double>(bytes) / seconds : 0;
  }
  [[nodiscard]] double records_per_second() const {
    return seconds > 0 ? static_cast<double>(records) / seconds : 0;
  }
};

struct RepeatOptions {
  double min_seconds = 0.3;  // passes continue until they add up to this
  std::size_t min_runs = 3;
  std::size_t max_runs = 10000;
};

// Times once() until options are met; the median pass is the figure (robust to a noisy neighbour).
Throughput repeat(std::uint64_t bytes, std::uint64_t records, const RepeatOptions& options,
                  const std::function<void()>& once);

// Reads the sample's files as File mode does (io_uring where allowed, else pread); returns the bytes.
std::uint64_t read_files(const Sample& sample);
// Writes the sample's files into the FIFO from a feeder thread (the platform's part) and reads them
// as Pipe mode does; returns the bytes read.
std::uint64_t read_fifo(const Sample& sample, const std::string& fifo, std::chrono::milliseconds timeout);
// Decompresses every file in memory; returns the decompressed bytes.
std::uint64_t decompress(const Sample& sample);
// Frames every file's records in memory; returns the records.
std::uint64_t frame(const Sample& sample, const format::FramerOptions& options);

// The sample's data records packed as the loader's batcher packs them: batches of batch_size rows,
// each in pipeline::Units of about kUnitTargetBytes, the records lent from the sample (which must
// outlive it) as the loader lends them from the reader stage. Made once, outside the timing, so that
// decode() times what the loader's decode workers do and nothing else.
class DecodeWork {
 public:
  DecodeWork(const Sample& sample, std::size_t batch_size);
  DecodeWork(const DecodeWork&) = delete;
  DecodeWork& operator=(const DecodeWork&) = delete;
  [[nodiscard]] std::uint64_t records() const { return records_; }

 private:
  friend std::uint64_t decode(DecodeWork& work, std::size_t threads);
  struct Batch {
    std::vector<std::unique_ptr<pipeline::Unit>> units;
    std::size_t records = 0;
  };
  std::uint64_t decode_batches(std::size_t begin, std::size_t end,
                               const std::shared_ptr<pipeline::BadRecordLog>& log);

  pipeline::RecordDecoderOptions options_;
  pipeline::RowLayout layout_;
  std::size_t batch_size_;
  std::vector<Batch> batches_;
  std::uint64_t records_ = 0;
};

// Decodes every batch on `threads` threads, each a contiguous share, as the loader's workers do:
// the shipped RecordDecoder writes each unit's rows (float32) into a batch slot, and batch assembly
// finishes the batch (CSR rows and raw payloads gathered). Returns the rows decoded; rethrows the
// first error of any thread.
std::uint64_t decode(DecodeWork& work, std::size_t threads);

struct EndToEndPass {
  std::uint64_t rows = 0;
  std::size_t peak_memory_bytes = 0;
  double read_busy_seconds = 0;
  double decode_busy_seconds = 0;
  // CPU time per stage (LoaderStats::cpu_seconds): the loader's own costs, for the sizing model.
  double read_cpu_seconds = 0;
  double batch_cpu_seconds = 0;
  double decode_cpu_seconds = 0;
  std::size_t objects_in_flight = 0;
  double order_correlation = 0;  // LoaderStats' shuffle-quality figures of the pass
  double objects_per_batch = 0;
};
// One epoch of the channel through a Loader with these options; in Pipe mode a feeder thread writes
// the sample's files into the channel's FIFO for epoch 0.
EndToEndPass end_to_end(const Environment& environment, const std::string& channel,
                        const LoaderOptions& options, const Sample& sample);

}  // namespace chanload::sizing
