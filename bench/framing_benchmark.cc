// Framing throughput in memory: the loader's RecordReader cutting 1 MiB chunks of each format, without
// I/O. Compared against memchr over the same bytes (the floor for text framing).
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "format/crc32c.h"
#include "format/framer.h"
#include "format/record_reader.h"
#include "io/memory_chunks.h"

namespace {

using chanload::format::RecordFormat;

constexpr std::size_t kChunk = std::size_t{1} << 20;

std::string csv_data(std::size_t bytes) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> value(-1000, 1000);
  std::string out;
  char field[32];
  while (out.size() < bytes) {
    for (int c = 0; c < 33; ++c) {
      std::snprintf(field, sizeof field, c == 0 ? "%.7g" : ",%.7g", static_cast<double>(value(rng)));
      out += field;
    }
    out += '\n';
  }
  return out;
}

std::string recordio_data(std::size_t bytes, std::size_t record) {
  std::string out;
  const std::string payload(record, 'r');
  while (out.size() < bytes) {
    const std::uint32_t magic = 0xCED7230AU;
    const auto length = static_cast<std::uint32_t>(record);
    out.append(reinterpret_cast<const char*>(&magic), 4);
    out.append(reinterpret_cast<const char*>(&length), 4);
    out += payload;
    out.append((4 - record % 4) % 4, '\0');
  }
  return out;
}

std::string tfrecord_data(std::size_t bytes, std::size_t record) {
  std::string out;
  const std::string payload(record, 't');
  const std::uint32_t data_crc =
      chanload::format::mask_crc(chanload::format::crc32c(payload.data(), payload.size()));
  while (out.size() < bytes) {
    const std::uint64_t length = record;
    const std::uint32_t length_crc = chanload::format::mask_crc(chanload::format::crc32c(&length, 8));
    out.append(reinterpret_cast<const char*>(&length), 8);
    out.append(reinterpret_cast<const char*>(&length_crc), 4);
    out += payload;
    out.append(reinterpret_cast<const char*>(&data_crc), 4);
  }
  return out;
}

// Every record of data, chunked as a channel's reader chunks it, through the loader's RecordReader.
void run(benchmark::State& state, RecordFormat format, const std::string& data) {
  static const std::string origin = "bench";
  for (auto _ : state) {
    chanload::io::MemoryChunks chunks({chanload::io::MemoryStream{data, &origin}}, kChunk);
    chanload::format::RecordReader reader(chunks, format);
    while (auto record = reader.next()) benchmark::DoNotOptimize(record->payload.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}

const std::string& csv() {
  static const std::string data = csv_data(std::size_t{64} << 20);
  return data;
}

void BM_MemchrNewlines(benchmark::State& state) {
  const std::string& data = csv();
  for (auto _ : state) {
    std::size_t count = 0;
    for (const char* p = data.data();
         (p = static_cast<const char*>(
              std::memchr(p, '\n', static_cast<std::size_t>(data.data() + data.size() - p)))) != nullptr;
         ++p)
      ++count;
    benchmark::DoNotOptimize(count);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}
BENCHMARK(BM_MemchrNewlines)->Unit(benchmark::kMillisecond);

void BM_FrameLines(benchmark::State& state) { run(state, RecordFormat::kLines, csv()); }
BENCHMARK(BM_FrameLines)->Unit(benchmark::kMillisecond);

void BM_FrameCsvRows(benchmark::State& state) { run(state, RecordFormat::kCsv, csv()); }
BENCHMARK(BM_FrameCsvRows)->Unit(benchmark::kMillisecond);

void BM_FrameRecordIO(benchmark::State& state) {
  static const std::string data =
      recordio_data(std::size_t{64} << 20, static_cast<std::size_t>(state.range(0)));
  run(state, RecordFormat::kRecordIO, data);
}
BENCHMARK(BM_FrameRecordIO)->Arg(512)->Unit(benchmark::kMillisecond);

void BM_FrameRecordIOLarge(benchmark::State& state) {
  static const std::string data = recordio_data(std::size_t{64} << 20, 64 << 10);
  run(state, RecordFormat::kRecordIO, data);
}
BENCHMARK(BM_FrameRecordIOLarge)->Unit(benchmark::kMillisecond);

void BM_FrameTFRecord(benchmark::State& state) {
  static const std::string data = tfrecord_data(std::size_t{64} << 20, 512);
  run(state, RecordFormat::kTFRecord, data);
}
BENCHMARK(BM_FrameTFRecord)->Unit(benchmark::kMillisecond);

void BM_Crc32c(benchmark::State& state) {
  const std::string data(std::size_t{1} << 20, 'c');
  for (auto _ : state) benchmark::DoNotOptimize(chanload::format::crc32c(data.data(), data.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}
BENCHMARK(BM_Crc32c);

}  // namespace
