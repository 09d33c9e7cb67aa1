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

#include "format/record_reader.h"
#include "format/recordio_protobuf_decoder.h"
#include "io/fifo_feeder.h"
#include "io/fifo_source.h"
#include "io/file_source.h"
#include "io/stop_signal.h"
#include "pipeline/batch_assembly.h"
#include "pipeline/batch_pool.h"
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
  io::MemoryChunks chunks = sample.chunks();
  format::RecordReader reader(chunks, format::record_format_of(sample.settings().format), options);
  std::uint64_t records = 0;
  while (reader.next()) ++records;
  return records;
}

DecodeWork::DecodeWork(const Sample& sample, std::size_t batch_size)
    : batch_size_(std::max<std::size_t>(batch_size, 1)) {
  const DecodeSettings& settings = sample.settings();
  options_.format = settings.format;
  options_.csv.label_size = settings.label_size;
  options_.csv.delimiter = settings.delimiter;
  options_.csv.header = settings.header;
  const auto probe = pipeline::make_record_decoder(
      options_, nullptr, std::make_shared<pipeline::BadRecordLog>(BadRecords::kError));
  bool have_layout = false;
  pipeline::Unit* unit = nullptr;
  for (const SampleRecord& record : sample.records()) {
    if (!probe->is_record(record.payload, record.place)) continue;  // the reader stage drops these
    if (!have_layout) {
      layout_ = probe->probe(record.payload, record.place);
      have_layout = true;
    }
    if (batches_.empty() || batches_.back().records == batch_size_) {
      batches_.emplace_back();
      unit = nullptr;
    }
    Batch& batch = batches_.back();
    if (unit == nullptr || unit->payload_bytes >= pipeline::kUnitTargetBytes) {
      unit = batch.units.emplace_back(std::make_unique<pipeline::Unit>()).get();
      unit->first_row = batch.records;
    }
    // Lent, as the loader lends the reader stage's records (the sample outlives this work).
    unit->add_lent(record.payload, record.place, nullptr);
    ++batch.records;
    ++records_;
  }
}

std::uint64_t DecodeWork::decode_batches(std::size_t begin, std::size_t end,
                                         const std::shared_ptr<pipeline::BadRecordLog>& log) {
  const auto decoder = pipeline::make_record_decoder(options_, &layout_, log);
  const auto pool =
      std::make_shared<pipeline::BatchPool>(pipeline::SlotLayout{.kind = layout_.kind,
                                                                 .batch_size = batch_size_,
                                                                 .columns = layout_.columns,
                                                                 .label_size = layout_.label_size},
                                            1, nullptr);
  const pipeline::AssemblyOptions assembly{batch_size_, LastBatch::kKeep, DType::kFloat32};
  const bool keeps_units = layout_.kind != BatchKind::kDense;  // sparse and raw: gathered at assembly
  std::uint64_t rows = 0;
  for (std::size_t b = begin; b < end; ++b) {
    Batch& batch = batches_[b];
    pipeline::Job job;
    job.lease = pipeline::SlotLease(pool, pool->acquire());
    job.records = batch.records;
    for (const auto& unit : batch.units) {
      unit->holes.clear();
      decoder->decode(*unit, *job.lease.slot());
      job.holes.insert(job.holes.end(), unit->holes.begin(), unit->holes.end());
    }
    if (keeps_units) job.kept_units = std::move(batch.units);
    pipeline::assemble_batch(job, layout_, assembly, nullptr);
    if (keeps_units) batch.units = std::move(job.kept_units);
    rows += job.data->rows;
  }
  return rows;
}

std::uint64_t decode(DecodeWork& work, std::size_t threads) {
  threads = std::max<std::size_t>(threads, 1);
  const std::size_t count = work.batches_.size();
  const auto log = std::make_shared<pipeline::BadRecordLog>(BadRecords::kError);
  std::vector<std::uint64_t> rows(threads, 0);
  std::vector<std::exception_ptr> errors(threads);
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      try {
        rows[t] = work.decode_batches(count * t / threads, count * (t + 1) / threads, log);
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
    pass.read_cpu_seconds = stats.read.cpu_seconds;
    pass.batch_cpu_seconds = stats.batch.cpu_seconds;
    pass.decode_cpu_seconds = stats.decode.cpu_seconds;
    pass.objects_in_flight = loader.objects_in_flight();
    pass.order_correlation = stats.order_correlation;
    pass.objects_per_batch = stats.objects_per_batch;
  }
  if (feeder) feeder->finish();
  return pass;
}

}  // namespace chanload::sizing
