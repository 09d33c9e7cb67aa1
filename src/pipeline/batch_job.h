// The loader's units of work and the batches they build, shared by its stages: the batcher packs
// records into Units, the decode workers fill a Job's slot from them (RecordDecoder), and batch
// assembly turns a finished Job into what a Batch shows.
#pragma once

#include <chanload/batch.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include "format/decoded_rows.h"
#include "format/framer.h"
#include "pipeline/batch_pool.h"

namespace chanload::pipeline {

// What the channel's first data record says every batch looks like.
struct RowLayout {
  BatchKind kind = BatchKind::kDense;
  bool sparse_records = false;  // RecordIO-protobuf with keys (densified or not)
  std::size_t columns = 0;
  std::size_t label_size = 0;
};

// Decoded rows in the loader's value type: only the one LoaderOptions::dtype names is used, so the
// hot loops are compiled once per type and never branch on it per value.
struct TypedRows {
  format::DecodedRows f32;
  format::DecodedRowsF64 f64;

  template <typename T>
  format::BasicDecodedRows<T>& as() {
    if constexpr (std::is_same_v<T, float>) {
      return f32;
    } else {
      return f64;
    }
  }
  template <typename T>
  [[nodiscard]] const format::BasicDecodedRows<T>& as() const {
    if constexpr (std::is_same_v<T, float>) {
      return f32;
    } else {
      return f64;
    }
  }
  void clear() {
    f32.clear();
    f64.clear();
  }
};

// memmove/memset with a count of values (float or double); a zero count touches nothing (a channel
// without labels has null label buffers, which the C functions may not see even for zero bytes).
template <typename T>
void move_values(T* to, const T* from, std::size_t count) {
  if (count != 0) std::memmove(to, from, count * sizeof(T));
}
template <typename T>
void zero_values(T* to, std::size_t count) {
  if (count != 0) std::memset(to, 0, count * sizeof(T));
}

struct Job;

// The records a batcher packs into one Unit before handing it to a worker: large enough that the
// hand-over costs nothing per record, small enough that a batch is decoded by several workers.
constexpr std::size_t kUnitTargetBytes = std::size_t{256} << 10;

// Keeps bytes lent to a unit alive (a reader-stage block: pipeline::BlockLease).
using ByteLease = std::shared_ptr<const void>;

struct UnitRecord {
  const std::byte* lent = nullptr;  // the payload, lent; null: copied, at offset in Unit::bytes
  std::size_t offset = 0;
  std::size_t size = 0;
  format::RecordPlace place;
};

// Records of one batch for a worker to decode. A record straight from the reader stage is lent:
// the unit keeps a lease on the stage's block instead of copying its bytes (one lease per block,
// not per record). A record that went through the shuffle window is copied: the window reuses its
// memory as soon as it lets a record go.
struct Unit {
  std::vector<std::byte> bytes;  // copied payloads
  std::vector<UnitRecord> records;
  std::vector<ByteLease> leases;  // what keeps the lent payloads alive
  std::size_t payload_bytes = 0;  // of every record, lent or copied
  Job* job = nullptr;
  std::size_t first_row = 0;       // the row of records[0] in its batch
  TypedRows sparse;                // sparse batches: this unit's CSR rows until the batch is finalised
  std::vector<std::size_t> holes;  // rows (in the batch) whose record was bad and skipped
  std::exception_ptr error;
  std::size_t accounted = 0;  // bytes counted against the budget while in flight

  void add_copy(std::span<const std::byte> payload, const format::RecordPlace& place) {
    records.push_back({nullptr, bytes.size(), payload.size(), place});
    bytes.insert(bytes.end(), payload.begin(), payload.end());
    payload_bytes += payload.size();
  }
  // `lease` keeps `payload` alive (null: it outlives the unit anyway, as a benchmark's bytes do).
  void add_lent(std::span<const std::byte> payload, const format::RecordPlace& place,
                const ByteLease* lease) {
    if (lease != nullptr && (leases.empty() || leases.back().get() != lease->get())) leases.push_back(*lease);
    records.push_back({payload.data(), 0, payload.size(), place});
    payload_bytes += payload.size();
  }
  [[nodiscard]] std::span<const std::byte> payload(const UnitRecord& record) const {
    if (record.lent != nullptr) return {record.lent, record.size};
    return std::span(bytes).subspan(record.offset, record.size);
  }
  void reset() {
    bytes.clear();
    records.clear();
    leases.clear();
    payload_bytes = 0;
    job = nullptr;
    sparse.clear();
    holes.clear();
    error = nullptr;
  }
  // Its own memory; lent payloads count where they lie (ReaderStage::bytes_held).
  [[nodiscard]] std::size_t capacity_bytes() const {
    return bytes.capacity() + records.capacity() * sizeof(UnitRecord) + leases.capacity() * sizeof(ByteLease);
  }
};

// A batch being built.
struct Job {
  std::uint64_t sequence = 0;  // position among every batch this loader makes
  std::uint64_t epoch = 0;
  std::uint64_t index = 0;           // within the epoch
  std::uint64_t first_position = 0;  // this shard's record number (in delivery order) of row 0
  std::size_t records = 0;
  SlotLease lease;
  std::size_t pending_units = 0;
  bool closed = false;
  bool epoch_end = false;
  bool deliver = true;  // false: a short last batch with LastBatch::kDrop
  bool ready = false;
  std::vector<std::unique_ptr<Unit>> kept_units;  // sparse and raw: gathered at finalisation
  std::vector<std::size_t> holes;
  std::exception_ptr error;
  std::size_t error_row = 0;  // the first failing row: which error surfaces is deterministic
  std::shared_ptr<detail::BatchData> data;
};

}  // namespace chanload::pipeline
