#include "sizing/stages.h"

#include <chanload/errors.h>
#include <chanload/loader.h>

#include <pthread.h>

#include <algorithm>
#include <csignal>
#include <exception>
#include <memory>
#include <thread>
#include <vector>

#include "format/csv_decoder.h"
#include "format/decoded_rows.h"
#include "format/recordio_protobuf_decoder.h"
#include "io/fifo_feeder.h"
#include "io/fifo_source.h"
#include "io/file_source.h"
#include "io/stop_signal.h"
#include "sizing/memory_stream.h"

namespace chanload::sizing {
namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t drain(io::ByteSource& source) {
  std::uint64_t bytes = 0;
  while (true) {
    const auto piece = source.next();
    if (piece.empty()) return bytes;
    bytes += piece.size();
  }
}

// A Pipe-mode epoch fed from a thread; the destructor stops and joins it, and finish() rethrows what
// went wrong on its side.
class Feeder {
 public:
  Feeder(const Sample& sample, std::string fifo, std::chrono::milliseconds timeout)
      : stop_(std::make_shared<io::StopSignal>()) {
    std::vector<std::string> files;
    for (const auto& file : sample.files()) files.push_back(file.path);
    io::FifoFeedOptions options;
    options.timeout = timeout;
    options.stop = stop_;
    thread_ = std::thread([this, fifo = std::move(fifo), files = std::move(files), options] {
      // A reader that goes away early must be an EPIPE error here, not a SIGPIPE for the process.
      sigset_t pipe_signal;
      sigemptyset(&pipe_signal);
      sigaddset(&pipe_signal, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
      try {
        io::feed_fifo(fifo, files, options);
      } catch (...) {
        error_ = std::current_exception();
      }
    });
  }
  ~Feeder() {
    stop_->request_stop();
    if (thread_.joinable()) thread_.join();
  }
  Feeder(const Feeder&) = delete;
  Feeder& operator=(const Feeder&) = delete;
  void finish() {
    thread_.join();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::shared_ptr<io::StopSignal> stop_;
  std::exception_ptr error_;
  std::thread thread_;
};

// One decode thread's share: records [begin, end) into batch-sized buffers reused batch after batch.
std::uint64_t decode_share(const Sample& sample, std::size_t begin, std::size_t end, std::size_t batch_size) {
  const DecodeSettings& settings = sample.settings();
  const auto& records = sample.records();
  std::uint64_t rows = 0;
  if (settings.format == format::DataFormat::kCsv) {
    format::CsvDecodeOptions options;
    options.label_size = settings.label_size;
    options.delimiter = settings.delimiter;
    options.header = settings.header;
    format::CsvDecoder decoder(options);
    const std::size_t columns = sample.csv_columns();
    decoder.expect_columns(columns);
    std::vector<float> labels(batch_size * settings.label_size);
    std::vector<float> features(batch_size * (columns - settings.label_size));
    std::size_t row = 0;
    for (std::size_t i = begin; i < end; ++i) {
      const SampleRecord& record = records[i];
      if (!decoder.is_data_row(record.payload, record.place)) continue;
      decoder.decode_into(record.payload, record.place, labels.data() + row * settings.label_size,
                          features.data() + row * (columns - settings.label_size));
      ++rows;
      if (++row == batch_size) row = 0;
    }
  } else if (settings.format == format::DataFormat::kRecordIOProtobuf) {
    format::RecordIOProtobufDecoder decoder;
    format::DecodedRows out;
    for (std::size_t i = begin; i < end; ++i) {
      decoder.decode(records[i].payload, records[i].place, out);
      ++rows;
      if (out.rows == batch_size) out.clear();
    }
  } else {
    std::vector<std::byte> data;
    std::vector<std::uint64_t> offsets;
    for (std::size_t i = begin; i < end; ++i) {
      const auto payload = records[i].payload;
      data.insert(data.end(), payload.begin(), payload.end());
      offsets.push_back(data.size());
      ++rows;
      if (offsets.size() == batch_size) {
        data.clear();
        offsets.clear();
      }
    }
  }
  return rows;
}

}  // namespace

Throughput repeat(std::uint64_t bytes, std::uint64_t records, const RepeatOptions& options,
                  const std::function<void()>& once) {
  std::vector<double> passes;
  double total = 0;
  while (passes.size() < options.max_runs &&
         (passes.size() < options.min_runs || total < options.min_seconds)) {
    const auto start = Clock::now();
    once();
    passes.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    total += passes.back();
  }
  std::nth_element(passes.begin(), passes.begin() + static_cast<std::ptrdiff_t>(passes.size() / 2),
                   passes.end());
  return {bytes, records, passes[passes.size() / 2], passes.size()};
}

std::uint64_t read_files(const Sample& sample) {
  std::uint64_t bytes = 0;
  io::FileReadOptions options;
  options.cache = std::make_shared<io::ReaderCache>();  // as the loader's reader keeps one
  for (const auto& file : sample.files()) {
    const auto source = io::open_file_source(file.path, options);
    const std::uint64_t read = drain(*source);
    if (read != file.stored.size()) {
      throw IoError(file.path + ": changed while being measured (" + std::to_string(read) + " bytes read, " +
                        std::to_string(file.stored.size()) + " expected)",
                    file.path);
    }
    bytes += read;
  }
  return bytes;
}

std::uint64_t read_fifo(const Sample& sample, const std::string& fifo, std::chrono::milliseconds timeout) {
  Feeder feeder(sample, fifo, timeout);
  io::FifoReadOptions options;
  options.timeout = timeout;
  const std::uint64_t bytes = drain(*io::open_fifo_source(fifo, options));
  feeder.finish();
  if (bytes != sample.stored_bytes()) {
    throw IoError(fifo + ": " + std::to_string(bytes) + " bytes came through the FIFO, " +
                      std::to_string(sample.stored_bytes()) + " were written",
                  fifo);
  }
  return bytes;
}

std::uint64_t decompress(const Sample& sample) {
  std::uint64_t bytes = 0;
  const auto cache = std::make_shared<io::ReaderCache>();  // as the loader's reader keeps one
  for (const auto& file : sample.files()) bytes += decompress_all(file.stored, file.path, nullptr, cache);
  return bytes;
}

std::uint64_t frame(const Sample& sample, const format::FramerOptions& options) {
  const auto framer = format::make_framer(format::record_format_of(sample.settings().format), options);
  std::vector<std::byte> scratch;
  std::uint64_t records = 0;
  for (const auto& file : sample.files()) {
    Sample::frame(file, *framer, scratch,
                  [&](std::span<const std::byte>, const format::RecordPlace&) { ++records; });
  }
  return records;
}

std::uint64_t decode(const Sample& sample, std::size_t threads, std::size_t batch_size) {
  threads = std::max<std::size_t>(threads, 1);
  batch_size = std::max<std::size_t>(batch_size, 1);
  const std::size_t count = sample.records().size();
  std::vector<std::uint64_t> rows(threads, 0);
  std::vector<std::exception_ptr> errors(threads);
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      try {
        rows[t] = decode_share(sample, count * t / threads, count * (t + 1) / threads, batch_size);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (auto& worker : workers) worker.join();
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  std::uint64_t total = 0;
  for (const auto r : rows) total += r;
  return total;
}

EndToEndPass end_to_end(const Environment& environment, const std::string& channel,
                        const LoaderOptions& options, const Sample& sample) {
  const ChannelConfig& config = environment.channel(channel);
  const bool pipe = options.mode.value_or(config.mode) == InputMode::kPipe;
  std::unique_ptr<Feeder> feeder;
  if (pipe) feeder = std::make_unique<Feeder>(sample, config.path.string() + "_0", options.pipe_timeout);
  EndToEndPass pass;
  {
    Loader loader(environment, channel, options);
    while (loader.next()) {
    }
    const LoaderStats stats = loader.stats();
    pass.rows = stats.rows;
    pass.peak_memory_bytes = stats.peak_memory_bytes;
    pass.read_busy_seconds = stats.read.busy_seconds;
    pass.decode_busy_seconds = stats.decode.busy_seconds;
    pass.order_correlation = stats.order_correlation;
    pass.objects_per_batch = stats.objects_per_batch;
  }
  if (feeder) feeder->finish();
  return pass;
}

}  // namespace chanload::sizing
