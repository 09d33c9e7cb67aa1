// Batch assembly, beside the memory copies it amounts to: closing the rows of skipped records in a
// dense float batch (1024 x 33, one record in a hundred skipped) against one memmove of the batch,
// and gathering raw payloads into one buffer against one memcpy of the same bytes.
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <vector>

#include "pipeline/batch_assembly.h"

namespace {

using namespace chanload;  // NOLINT(google-build-using-namespace)

constexpr std::size_t kBatch = 1024;
constexpr std::size_t kColumns = 32;
constexpr std::size_t kRawRecords = 1024;
constexpr std::size_t kRawBytes = 1000;  // per record

std::shared_ptr<pipeline::BatchPool> pool(BatchKind kind) {
  return std::make_shared<pipeline::BatchPool>(
      pipeline::SlotLayout{.kind = kind, .batch_size = kBatch, .columns = kColumns, .label_size = 1}, 2,
      nullptr);
}

void BM_MemmoveDenseBatch(benchmark::State& state) {
  std::vector<float> from(kBatch * (kColumns + 1), 1.0F);
  std::vector<float> to(from.size());
  for (auto _ : state) {
    std::memmove(to.data(), from.data(), from.size() * sizeof(float));
    benchmark::DoNotOptimize(to.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(from.size() * sizeof(float)));
}
BENCHMARK(BM_MemmoveDenseBatch)->Unit(benchmark::kMicrosecond);

void BM_AssembleDenseWithHoles(benchmark::State& state) {
  auto batches = pool(BatchKind::kDense);
  const pipeline::RowLayout layout{BatchKind::kDense, false, kColumns, 1};
  const pipeline::AssemblyOptions options{kBatch, LastBatch::kKeep, DType::kFloat32};
  for (auto _ : state) {
    state.PauseTiming();
    pipeline::Job job;
    job.lease = pipeline::SlotLease(batches, batches->acquire());
    job.records = kBatch;
    for (std::size_t row = 5; row < kBatch; row += 100) job.holes.push_back(row);
    state.ResumeTiming();
    pipeline::assemble_batch(job, layout, options, nullptr);
    benchmark::DoNotOptimize(job.data.get());
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(kBatch * (kColumns + 1) * sizeof(float)));
}
BENCHMARK(BM_AssembleDenseWithHoles)->Unit(benchmark::kMicrosecond);

void BM_MemcpyRawBytes(benchmark::State& state) {
  std::vector<std::byte> from(kRawRecords * kRawBytes, std::byte{7});
  std::vector<std::byte> to;
  for (auto _ : state) {
    to.assign(from.begin(), from.end());
    benchmark::DoNotOptimize(to.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(from.size()));
}
BENCHMARK(BM_MemcpyRawBytes)->Unit(benchmark::kMicrosecond);

void BM_AssembleRawPayloads(benchmark::State& state) {
  auto batches = pool(BatchKind::kRaw);
  const pipeline::RowLayout layout{BatchKind::kRaw, false, 0, 0};
  const pipeline::AssemblyOptions options{kRawRecords, LastBatch::kKeep, DType::kFloat32};
  constexpr std::size_t kUnits = 4;  // about 256 KiB each, as the loader packs them
  const std::vector<std::byte> raw_bytes(kRawRecords / kUnits * kRawBytes, std::byte{7});
  for (auto _ : state) {
    state.PauseTiming();
    pipeline::Job job;
    job.lease = pipeline::SlotLease(batches, batches->acquire());
    job.records = kRawRecords;
    for (std::size_t u = 0; u < kUnits; ++u) {
      auto unit = std::make_unique<pipeline::Unit>();
      unit->first_row = (kUnits - 1 - u) * (kRawRecords / kUnits);  // finished out of order
      // Lent, as the loader lends records straight from the reader stage.
      for (std::size_t r = 0; r < kRawRecords / kUnits; ++r)
        unit->add_lent(std::span(raw_bytes).subspan(r * kRawBytes, kRawBytes), {}, nullptr);
      job.kept_units.push_back(std::move(unit));
    }
    state.ResumeTiming();
    pipeline::assemble_batch(job, layout, options, nullptr);
    benchmark::DoNotOptimize(job.data.get());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kRawRecords * kRawBytes));
}
BENCHMARK(BM_AssembleRawPayloads)->Unit(benchmark::kMicrosecond);

}  // namespace
