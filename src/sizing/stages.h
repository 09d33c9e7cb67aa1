// chanload bench's measurements, one stage at a time: each function is one pass of a stage over the
// sample, and repeat() times passes until the measurement is long enough to trust.
#pragma once

#include <chanload/environment.h>
#include <chanload/loader_options.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "format/framer.h"
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
// Decodes every record in memory on `threads` threads, each a contiguous share, into batches of
// batch_size rows (float32 for CSV and RecordIO-protobuf, payload copies for raw formats); returns
// the rows decoded. Rethrows the first error of any thread.
std::uint64_t decode(const Sample& sample, std::size_t threads, std::size_t batch_size);

struct EndToEndPass {
  std::uint64_t rows = 0;
  std::size_t peak_memory_bytes = 0;
  double read_busy_seconds = 0;
  double decode_busy_seconds = 0;
  double order_correlation = 0;  // LoaderStats' shuffle-quality figures of the pass
  double objects_per_batch = 0;
};
// One epoch of the channel through a Loader with these options; in Pipe mode a feeder thread writes
// the sample's files into the channel's FIFO for epoch 0.
EndToEndPass end_to_end(const Environment& environment, const std::string& channel,
                        const LoaderOptions& options, const Sample& sample);

}  // namespace chanload::sizing
