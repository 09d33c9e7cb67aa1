// Decompressing a channel of many small objects, file after file, as the loader's reader does:
// chanload's decompressing() with the channel's ReaderCache beside a bare loop that keeps one
// decompression context and one output buffer for every file (the best a reader can do). What
// separates them is what chanload spends per file. Bytes per second of decompressed output.
#include <benchmark/benchmark.h>
#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "float_csv.h"
#include "io/decompress.h"
#include "io/reader_cache.h"
#include "sizing/memory_stream.h"
#include "sizing/synthetic_data.h"

namespace {

using namespace chanload;

constexpr std::size_t kFiles = 64;

// 64 files of range(0) KiB of float CSV each, stored compressed (zstd level 3 or one gzip member).
const std::vector<std::string>& stored_files(sizing::StoredCompression compression, std::size_t file_kib) {
  static std::map<std::pair<sizing::StoredCompression, std::size_t>, std::vector<std::string>> made;
  auto& files = made[{compression, file_kib}];
  if (files.empty()) {
    const std::string csv = bench::float_csv(file_kib << 10, 33).substr(0, file_kib << 10);
    for (std::size_t i = 0; i < kFiles; ++i) files.push_back(sizing::compress(csv, compression));
  }
  return files;
}

void chanload_decompressing(benchmark::State& state, sizing::StoredCompression compression) {
  const auto file_kib = static_cast<std::size_t>(state.range(0));
  const auto& files = stored_files(compression, file_kib);
  const auto cache = std::make_shared<io::ReaderCache>();  // the channel's, kept across files
  for (auto _ : state) {
    std::size_t bytes = 0;
    for (const auto& stored : files) {
      const auto source = io::decompressing(sizing::memory_source(stored, "part"), io::CompressionMode::kAuto,
                                            std::size_t{1} << 20, cache);
      for (auto piece = source->next(); !piece.empty(); piece = source->next()) bytes += piece.size();
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kFiles * (file_kib << 10)));
}
BENCHMARK_CAPTURE(chanload_decompressing, zstd, sizing::StoredCompression::kZstd)
    ->Arg(256)
    ->Arg(1024)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(chanload_decompressing, gzip, sizing::StoredCompression::kGzip)
    ->Arg(256)
    ->Arg(1024)
    ->Unit(benchmark::kMillisecond);

// The references: one context and one 1 MiB output buffer for all files.
void zstd_loop(benchmark::State& state) {
  const auto file_kib = static_cast<std::size_t>(state.range(0));
  const auto& files = stored_files(sizing::StoredCompression::kZstd, file_kib);
  ZSTD_DCtx* context = ZSTD_createDCtx();
  std::vector<char> output(std::size_t{1} << 20);
  for (auto _ : state) {
    std::size_t bytes = 0;
    for (const auto& stored : files) {
      ZSTD_DCtx_reset(context, ZSTD_reset_session_only);
      ZSTD_inBuffer in{stored.data(), stored.size(), 0};
      while (in.pos < in.size) {
        ZSTD_outBuffer out{output.data(), output.size(), 0};
        if (ZSTD_isError(ZSTD_decompressStream(context, &out, &in))) state.SkipWithError("zstd");
        bytes += out.pos;
      }
    }
    benchmark::DoNotOptimize(bytes);
  }
  ZSTD_freeDCtx(context);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kFiles * (file_kib << 10)));
}
BENCHMARK(zstd_loop)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond);

void igzip_loop(benchmark::State& state) {
  const auto file_kib = static_cast<std::size_t>(state.range(0));
  const auto& files = stored_files(sizing::StoredCompression::kGzip, file_kib);
  const auto inflate = std::make_unique<inflate_state>();
  std::vector<char> output(std::size_t{1} << 20);
  for (auto _ : state) {
    std::size_t bytes = 0;
    for (const auto& stored : files) {
      isal_inflate_init(inflate.get());
      inflate->crc_flag = ISAL_GZIP;
      inflate->next_in = reinterpret_cast<std::uint8_t*>(const_cast<char*>(stored.data()));
      inflate->avail_in = static_cast<std::uint32_t>(stored.size());
      while (inflate->block_state != ISAL_BLOCK_FINISH) {
        inflate->next_out = reinterpret_cast<std::uint8_t*>(output.data());
        inflate->avail_out = static_cast<std::uint32_t>(output.size());
        if (isal_inflate(inflate.get()) < 0) state.SkipWithError("igzip");
        bytes += output.size() - inflate->avail_out;
      }
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kFiles * (file_kib << 10)));
}
BENCHMARK(igzip_loop)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond);

}  // namespace
