#include "pipeline/batch_assembly.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace chanload::pipeline {
namespace {

// Closes the gaps of skipped records, pads (LastBatch::kPad) and gathers the units' CSR rows, in the
// batch's value type.
template <typename T>
void arrange_rows(Job& job, const RowLayout& layout, std::size_t filled, std::size_t rows) {
  BatchSlot& slot = *job.lease.slot();
  if (!job.holes.empty()) {
    std::size_t write = 0;
    std::size_t hole = 0;
    for (std::size_t read = 0; read < job.records; ++read) {
      if (hole < job.holes.size() && job.holes[hole] == read) {
        ++hole;
        continue;
      }
      if (write != read) {
        move_values(slot.label_row<T>(write, layout.label_size), slot.label_row<T>(read, layout.label_size),
                    layout.label_size);
        if (layout.kind == BatchKind::kDense) {
          move_values(slot.feature_row<T>(write, layout.columns), slot.feature_row<T>(read, layout.columns),
                      layout.columns);
        }
      }
      ++write;
    }
  }
  if (rows > filled) {  // LastBatch::kPad: zero rows
    zero_values(slot.label_row<T>(filled, layout.label_size), (rows - filled) * layout.label_size);
    if (layout.kind == BatchKind::kDense) {
      zero_values(slot.feature_row<T>(filled, layout.columns), (rows - filled) * layout.columns);
    }
  }
  if (layout.kind == BatchKind::kSparse) {
    slot.indptr.assign(1, 0);
    slot.indices.clear();
    std::vector<T>& values = slot.sparse_values<T>();
    values.clear();
    for (const auto& unit : job.kept_units) {
      const format::BasicDecodedRows<T>& sparse = unit->sparse.as<T>();
      const auto base = static_cast<std::int64_t>(slot.indices.size());
      for (std::size_t r = 1; r < sparse.indptr.size(); ++r) slot.indptr.push_back(base + sparse.indptr[r]);
      slot.indices.insert(slot.indices.end(), sparse.indices.begin(), sparse.indices.end());
      values.insert(values.end(), sparse.values.begin(), sparse.values.end());
    }
    slot.indptr.resize(rows + 1, slot.indptr.back());
  }
}

// Raw records: the units' payloads end to end, in row order. Nothing decodes them, so none is bad
// and there are no holes to close.
void gather_payloads(Job& job, std::size_t rows) {
  BatchSlot& slot = *job.lease.slot();
  slot.payloads.clear();
  slot.offsets.assign(1, 0);
  std::size_t bytes = 0;
  for (const auto& unit : job.kept_units) bytes += unit->payload_bytes;
  slot.payloads.reserve(bytes);
  slot.offsets.reserve(rows + 1);
  for (const auto& unit : job.kept_units) {
    for (const UnitRecord& record : unit->records) {
      const std::span<const std::byte> payload = unit->payload(record);
      slot.payloads.insert(slot.payloads.end(), payload.begin(), payload.end());
      slot.offsets.push_back(static_cast<std::int64_t>(slot.payloads.size()));
    }
  }
  slot.offsets.resize(rows + 1, slot.offsets.back());
}

}  // namespace

void assemble_batch(Job& job, const RowLayout& layout, const AssemblyOptions& options,
                    memory::DeviceTransfer* transfer) {
  if (job.error || !job.deliver) return;
  BatchSlot& slot = *job.lease.slot();
  std::sort(job.holes.begin(), job.holes.end());
  const std::size_t filled = job.records - job.holes.size();
  const std::size_t target = options.last_batch == LastBatch::kPad ? options.batch_size : filled;
  const std::size_t rows = std::max(filled, target);

  if (layout.kind != BatchKind::kDense) {
    std::sort(job.kept_units.begin(), job.kept_units.end(),
              [](const auto& a, const auto& b) { return a->first_row < b->first_row; });
  }
  if (layout.kind == BatchKind::kRaw) {
    gather_payloads(job, rows);
  } else if (options.dtype == DType::kFloat64) {
    arrange_rows<double>(job, layout, filled, rows);
  } else {
    arrange_rows<float>(job, layout, filled, rows);
  }
  if (layout.kind != BatchKind::kDense) job.lease.pool()->account(&slot);

  auto data = std::make_shared<detail::BatchData>();
  data->kind = layout.kind;
  data->rows = rows;
  data->padding_rows = rows - filled;
  data->skipped_records = job.holes.size();
  data->columns = layout.columns;
  data->label_size = layout.label_size;
  data->dtype = options.dtype;
  data->epoch = job.epoch;
  data->index = job.index;
  data->last_in_epoch = job.epoch_end;
  data->pinned = slot.features.pinned() || slot.labels.pinned();
  if (transfer != nullptr && layout.kind == BatchKind::kDense) {
    const std::size_t value_bytes = size_of(options.dtype);
    transfer->copy(slot.device, slot.features.data(), rows * layout.columns * value_bytes, slot.labels.data(),
                   rows * layout.label_size * value_bytes);
    data->device = transfer->device();
  }
  data->lease = std::move(job.lease);
  job.data = std::move(data);
}

}  // namespace chanload::pipeline
