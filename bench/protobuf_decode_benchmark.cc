// RecordIO-protobuf decode on one core: dense float32 records shaped as the SageMaker SDK writes
// them (features "values" as a packed Float32Tensor, a one-value label), payload bytes per second.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "format/recordio_protobuf_decoder.h"
#include "protobuf_wire.h"

namespace {

using namespace chanload::format;

std::string dense_record(std::size_t columns) {
  std::vector<float> values(columns);
  for (std::size_t i = 0; i < columns; ++i) values[i] = static_cast<float>(i) * 0.5F;
  const std::string packed(reinterpret_cast<const char*>(values.data()), columns * 4);
  const float label = 1.0F;
  const std::string label_bytes(reinterpret_cast<const char*>(&label), 4);
  using chanload::testing::entry;
  using chanload::testing::field;
  return entry(1, 2, field(1, 2, packed)) + entry(2, 2, field(1, 2, label_bytes));
}

// Float32 tensors into rows of T: float32 (the default) or float64 (LoaderOptions::dtype).
template <typename T>
void decode_dense_float32(benchmark::State& state) {
  const std::string record = dense_record(static_cast<std::size_t>(state.range(0)));
  const auto* bytes = reinterpret_cast<const std::byte*>(record.data());
  // A path as long as a channel's: the decoder must not copy it per record.
  const std::string origin = "/opt/ml/input/data/train/part-00000-of-00016.recordio";
  RecordIOProtobufDecoder decoder;
  BasicDecodedRows<T> rows;
  std::int64_t records = 0;
  for (auto _ : state) {
    for (int i = 0; i < 1024; ++i) decoder.decode({bytes, record.size()}, RecordPlace{&origin, 0, 0}, rows);
    benchmark::DoNotOptimize(rows.features.data());
    rows.clear();
    records += 1024;
  }
  state.SetBytesProcessed(records * static_cast<std::int64_t>(record.size()));
  state.SetItemsProcessed(records);
}
void BM_DecodeDenseFloat32(benchmark::State& state) { decode_dense_float32<float>(state); }
void BM_DecodeDenseFloat32AsFloat64(benchmark::State& state) { decode_dense_float32<double>(state); }
BENCHMARK(BM_DecodeDenseFloat32)->Arg(33)->Arg(784)->Arg(4096);
BENCHMARK(BM_DecodeDenseFloat32AsFloat64)->Arg(33)->Arg(784)->Arg(4096);

void BM_MemcpyReference(benchmark::State& state) {  // the same bytes copied once: the floor
  const std::string record = dense_record(static_cast<std::size_t>(state.range(0)));
  std::vector<char> out(record.size() * 1024);
  for (auto _ : state) {
    for (int i = 0; i < 1024; ++i)
      std::memcpy(out.data() + static_cast<std::size_t>(i) * record.size(), record.data(), record.size());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * 1024 * static_cast<std::int64_t>(record.size()));
}
BENCHMARK(BM_MemcpyReference)->Arg(33)->Arg(784)->Arg(4096);

}  // namespace
