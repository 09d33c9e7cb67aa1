// The loader end to end (a File-mode CSV channel in the page cache to batches in the pool) beside
// its reference, decode-only: the same rows in memory, split among the same number of threads, each
// decoding its share straight into a float buffer. Both in one binary, one run; the target is
// end to end >= 0.85x decode-only at the same thread count.
#include <benchmark/benchmark.h>
#include <chanload/loader.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "float_csv.h"
#include "format/csv_decoder.h"

namespace {

using namespace chanload;

constexpr int kColumns = 33;  // a label and 32 features, 7 significant digits, as in csv_decode_benchmark

const std::string& csv() {
  static const std::string data = chanload::bench::float_csv(std::size_t{64} << 20, kColumns);
  return data;
}

std::size_t row_count() {
  static const std::size_t rows = static_cast<std::size_t>(std::count(csv().begin(), csv().end(), '\n'));
  return rows;
}

// A job tree with the data as one File-mode channel, written once per run.
const std::filesystem::path& job_root() {
  static const std::filesystem::path root = bench::csv_job("chanload-loader-bench", csv());
  return root;
}

void BM_DecodeOnly(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  const std::string& data = csv();
  // Split at row boundaries, one share a thread.
  std::vector<std::size_t> bounds{0};
  for (std::size_t t = 1; t < threads; ++t) {
    const std::size_t at = data.find('\n', data.size() * t / threads);
    bounds.push_back(at + 1);
  }
  bounds.push_back(data.size());
  std::vector<std::vector<float>> outputs(threads);
  for (std::size_t t = 0; t < threads; ++t) {
    const auto rows = std::count(data.begin() + static_cast<std::ptrdiff_t>(bounds[t]),
                                 data.begin() + static_cast<std::ptrdiff_t>(bounds[t + 1]), '\n');
    outputs[t].resize(static_cast<std::size_t>(rows) * kColumns);
  }
  format::CsvDecodeOptions options;
  options.label_size = 1;
  for (auto _ : state) {
    const auto share = [&](std::size_t t) {
      format::CsvDecoder decoder(options);
      decoder.expect_columns(kColumns);
      const char* p = data.data() + bounds[t];
      const char* end = data.data() + bounds[t + 1];
      float* out = outputs[t].data();
      format::RecordPlace place{nullptr, 1, 0};
      while (p < end) {
        const char* eol = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
        decoder.decode_into(std::as_bytes(std::span(p, static_cast<std::size_t>(eol - p))), place, out,
                            out + 1);
        out += kColumns;
        p = eol + 1;
      }
      benchmark::DoNotOptimize(outputs[t].data());
    };
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(share, t);
    share(0);
    for (auto& thread : pool) thread.join();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(row_count()));
}
BENCHMARK(BM_DecodeOnly)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LoaderEndToEnd(benchmark::State& state) {
  EnvironmentOptions env_options;
  env_options.root = job_root();
  env_options.probe_devices = false;
  const Environment environment = Environment::load(env_options);
  LoaderOptions options;
  options.threads = static_cast<std::size_t>(state.range(0));
  options.batch_size = 1024;
  std::size_t rows = 0;
  for (auto _ : state) {
    Loader loader(environment, "train", options);
    while (auto batch = loader.next()) {
      rows += batch->rows();
      benchmark::DoNotOptimize(batch->features().data());
    }
  }
  if (rows != row_count() * static_cast<std::size_t>(state.iterations())) state.SkipWithError("rows lost");
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(csv().size()));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(row_count()));
}
BENCHMARK(BM_LoaderEndToEnd)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
