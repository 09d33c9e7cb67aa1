// The decode workers' RecordDecoder on float CSV units (the loader's ~256 KiB of rows, written in
// place into a batch slot), beside the bare CsvDecoder::decode_into loop over the same rows: what the
// interface, the unit bookkeeping and the bad-record log cost per row (they should cost nothing).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "float_csv.h"
#include "format/csv_decoder.h"
#include "pipeline/batch_pool.h"
#include "pipeline/record_decoder.h"

namespace {

using namespace chanload;  // NOLINT(google-build-using-namespace)

constexpr std::size_t kColumns = 33;
constexpr std::size_t kBatch = 1024;

// About 256 KiB of rows (the loader's unit), label first, and the row boundaries.
struct Rows {
  std::string text;
  std::vector<pipeline::UnitRecord> records;
};
const Rows& rows() {
  static const Rows data = [] {
    Rows out;
    out.text = bench::float_csv(std::size_t{256} << 10, kColumns);
    static const std::string origin = "bench.csv";
    std::size_t start = 0;
    while (start < out.text.size() && out.records.size() < kBatch) {
      const std::size_t end = out.text.find('\n', start);
      out.records.push_back(
          {nullptr, start, end - start, format::RecordPlace{&origin, start, out.records.size() + 1}});
      start = end + 1;
    }
    out.text.resize(start);
    return out;
  }();
  return data;
}

std::shared_ptr<pipeline::BatchPool> pool() {
  return std::make_shared<pipeline::BatchPool>(
      pipeline::SlotLayout{
          .kind = BatchKind::kDense, .batch_size = kBatch, .columns = kColumns - 1, .label_size = 1},
      2, nullptr);
}

void BM_CsvDecoderDecodeInto(benchmark::State& state) {
  const Rows& data = rows();
  auto batches = pool();
  pipeline::SlotLease lease(batches, batches->acquire());
  pipeline::BatchSlot& slot = *lease.slot();
  format::CsvDecodeOptions options;
  options.label_size = 1;
  format::CsvDecoder csv(options);
  csv.expect_columns(kColumns);
  const auto* bytes = reinterpret_cast<const std::byte*>(data.text.data());
  for (auto _ : state) {
    for (std::size_t row = 0; row < data.records.size(); ++row) {
      const pipeline::UnitRecord& record = data.records[row];
      benchmark::DoNotOptimize(csv.decode_into(std::span(bytes + record.offset, record.size), record.place,
                                               slot.label_row<float>(row, 1),
                                               slot.feature_row<float>(row, kColumns - 1)));
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.text.size()));
}
BENCHMARK(BM_CsvDecoderDecodeInto)->Unit(benchmark::kMicrosecond);

void BM_RecordDecoderCsvUnit(benchmark::State& state) {
  const Rows& data = rows();
  auto batches = pool();
  pipeline::SlotLease lease(batches, batches->acquire());
  pipeline::RecordDecoderOptions options;
  options.format = format::DataFormat::kCsv;
  options.csv.label_size = 1;
  const pipeline::RowLayout layout{BatchKind::kDense, false, kColumns - 1, 1};
  auto decoder = pipeline::make_record_decoder(options, &layout,
                                               std::make_shared<pipeline::BadRecordLog>(BadRecords::kError));
  pipeline::Unit unit;
  const auto* bytes = reinterpret_cast<const std::byte*>(data.text.data());
  unit.bytes.assign(bytes, bytes + data.text.size());
  unit.records = data.records;
  for (auto _ : state) {
    unit.holes.clear();
    decoder->decode(unit, *lease.slot());
    benchmark::DoNotOptimize(unit.holes.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.text.size()));
}
BENCHMARK(BM_RecordDecoderCsvUnit)->Unit(benchmark::kMicrosecond);

}  // namespace
