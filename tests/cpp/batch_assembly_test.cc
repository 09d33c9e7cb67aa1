// Batch assembly: holes closed, padding, CSR and payload gathering, in row order.
#include "pipeline/batch_assembly.h"

#include <chanload/batch.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace chanload::pipeline {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::shared_ptr<BatchPool> pool_for(const RowLayout& layout, std::size_t batch_size,
                                    DType dtype = DType::kFloat32) {
  return std::make_shared<BatchPool>(SlotLayout{.kind = layout.kind,
                                                .batch_size = batch_size,
                                                .columns = layout.columns,
                                                .label_size = layout.label_size,
                                                .dtype = dtype},
                                     2, nullptr);
}

// A job of `records` dense rows whose row r holds features (10r, 10r+1) and label r.
Job dense_job(const std::shared_ptr<BatchPool>& pool, const RowLayout& layout, std::size_t records) {
  Job job;
  job.lease = SlotLease(pool, pool->acquire());
  job.records = records;
  BatchSlot& slot = *job.lease.slot();
  for (std::size_t r = 0; r < records; ++r) {
    float* features = slot.feature_row<float>(r, layout.columns);
    features[0] = static_cast<float>(10 * r);
    features[1] = static_cast<float>(10 * r + 1);
    *slot.label_row<float>(r, layout.label_size) = static_cast<float>(r);
  }
  return job;
}

TEST(BatchAssembly, HolesAreClosedInRowOrderWhateverOrderTheUnitsGaveThem) {
  const RowLayout layout{BatchKind::kDense, false, 2, 1};
  auto pool = pool_for(layout, 6);
  Job job = dense_job(pool, layout, 6);
  job.holes = {4, 1};  // two units, finished out of order
  job.epoch = 3;
  job.index = 9;
  assemble_batch(job, layout, {6, LastBatch::kKeep, DType::kFloat32}, nullptr);
  ASSERT_TRUE(job.data);
  const Batch batch(job.data);
  EXPECT_EQ(batch.rows(), 4U);
  EXPECT_EQ(batch.skipped_records(), 2U);
  EXPECT_EQ(batch.padding_rows(), 0U);
  EXPECT_EQ(batch.epoch(), 3U);
  EXPECT_EQ(batch.index(), 9U);
  EXPECT_THAT(std::vector<float>(batch.labels().begin(), batch.labels().end()), ElementsAre(0, 2, 3, 5));
  EXPECT_THAT(std::vector<float>(batch.features().begin(), batch.features().end()),
              ElementsAre(0, 1, 20, 21, 30, 31, 50, 51));
}

TEST(BatchAssembly, AShortLastBatchIsPaddedWithZeroRowsAfterItsHolesClose) {
  const RowLayout layout{BatchKind::kDense, false, 2, 1};
  auto pool = pool_for(layout, 5);
  Job job = dense_job(pool, layout, 3);
  BatchSlot& slot = *job.lease.slot();
  for (std::size_t r = 3; r < 5; ++r) *slot.label_row<float>(r, 1) = 99;  // stale rows of an earlier batch
  job.holes = {0};
  job.epoch_end = true;
  assemble_batch(job, layout, {5, LastBatch::kPad, DType::kFloat32}, nullptr);
  const Batch batch(job.data);
  EXPECT_EQ(batch.rows(), 5U);
  EXPECT_EQ(batch.padding_rows(), 3U);
  EXPECT_TRUE(batch.last_in_epoch());
  EXPECT_THAT(std::vector<float>(batch.labels().begin(), batch.labels().end()), ElementsAre(1, 2, 0, 0, 0));
}

TEST(BatchAssembly, AFailedOrDroppedJobMakesNoBatch) {
  const RowLayout layout{BatchKind::kDense, false, 2, 1};
  auto pool = pool_for(layout, 4);
  Job failed = dense_job(pool, layout, 2);
  failed.error = std::make_exception_ptr(std::runtime_error("bad"));
  assemble_batch(failed, layout, {4, LastBatch::kKeep, DType::kFloat32}, nullptr);
  EXPECT_FALSE(failed.data);
  Job dropped = dense_job(pool, layout, 2);
  dropped.deliver = false;
  assemble_batch(dropped, layout, {4, LastBatch::kDrop, DType::kFloat32}, nullptr);
  EXPECT_FALSE(dropped.data);
}

std::unique_ptr<Unit> raw_unit(std::size_t first_row, const std::vector<std::string>& payloads) {
  auto unit = std::make_unique<Unit>();
  unit->first_row = first_row;
  for (const std::string& payload : payloads) {
    unit->add_copy(std::as_bytes(std::span(payload)), {});
  }
  return unit;
}

TEST(BatchAssembly, RawPayloadsAreGatheredInRowOrder) {
  const RowLayout layout{BatchKind::kRaw, false, 0, 0};
  auto pool = pool_for(layout, 5);
  Job job;
  job.lease = SlotLease(pool, pool->acquire());
  job.records = 5;
  job.kept_units.push_back(raw_unit(3, {"dd", "e"}));
  job.kept_units.push_back(raw_unit(0, {"a", "", "ccc"}));
  assemble_batch(job, layout, {5, LastBatch::kKeep, DType::kFloat32}, nullptr);
  const Batch batch(job.data);
  ASSERT_EQ(batch.rows(), 5U);
  std::vector<std::string> records;
  for (std::size_t r = 0; r < batch.rows(); ++r) {
    const auto record = batch.payload(r);
    records.emplace_back(reinterpret_cast<const char*>(record.data()), record.size());
  }
  EXPECT_THAT(records, ElementsAre("a", "", "ccc", "dd", "e"));
}

// The loader lends records straight from the reader stage and copies those the shuffle window let
// go; a unit may hold both, and a batch of raw records gathers them alike, in row order.
TEST(BatchAssembly, RawPayloadsGatherLentAndCopiedRecordsAlike) {
  const RowLayout layout{BatchKind::kRaw, false, 0, 0};
  auto pool = pool_for(layout, 4);
  const std::string block = "xxlentyy";  // what a reader-stage block would hold
  const auto* bytes = reinterpret_cast<const std::byte*>(block.data());
  auto lease = std::make_shared<int>(0);  // stands for the block's lease
  const ByteLease as_lease = lease;
  auto unit = std::make_unique<Unit>();
  unit->add_lent(std::span(bytes + 2, 4), {}, &as_lease);
  unit->add_copy(std::as_bytes(std::span(std::string_view("copied"))), {});
  unit->add_lent(std::span(bytes + 6, 2), {}, &as_lease);
  unit->add_lent(std::span(bytes, 0), {}, &as_lease);
  EXPECT_EQ(unit->leases.size(), 1U);  // one lease a block, not one a record
  EXPECT_EQ(unit->payload_bytes, 12U);
  EXPECT_EQ(lease.use_count(), 3);
  Job job;
  job.lease = SlotLease(pool, pool->acquire());
  job.records = 4;
  job.kept_units.push_back(std::move(unit));
  assemble_batch(job, layout, {4, LastBatch::kKeep, DType::kFloat32}, nullptr);
  const Batch batch(job.data);
  std::vector<std::string> records;
  for (std::size_t r = 0; r < batch.rows(); ++r) {
    const auto record = batch.payload(r);
    records.emplace_back(reinterpret_cast<const char*>(record.data()), record.size());
  }
  EXPECT_THAT(records, ElementsAre("lent", "copied", "yy", ""));
  job.kept_units.front()->reset();
  EXPECT_EQ(lease.use_count(), 2);  // the unit let its leases go
}

std::unique_ptr<Unit> sparse_unit(std::size_t first_row, const std::vector<std::vector<std::int64_t>>& rows) {
  auto unit = std::make_unique<Unit>();
  unit->first_row = first_row;
  format::DecodedRows& csr = unit->sparse.f32;
  csr.sparse = true;
  for (const auto& row : rows) {
    for (const std::int64_t index : row) {
      csr.indices.push_back(index);
      csr.values.push_back(static_cast<float>(index) / 2);
    }
    csr.indptr.push_back(static_cast<std::int64_t>(csr.indices.size()));
    ++csr.rows;
  }
  return unit;
}

TEST(BatchAssembly, SparseRowsAreJoinedIntoOneCsrInRowOrderAndPaddedWithEmptyRows) {
  const RowLayout layout{BatchKind::kSparse, true, 100, 0};
  auto pool = pool_for(layout, 5);
  Job job;
  job.lease = SlotLease(pool, pool->acquire());
  job.records = 3;
  job.kept_units.push_back(sparse_unit(2, {{7}}));
  job.kept_units.push_back(sparse_unit(0, {{1, 4}, {}}));
  assemble_batch(job, layout, {5, LastBatch::kPad, DType::kFloat32}, nullptr);
  const Batch batch(job.data);
  EXPECT_EQ(batch.rows(), 5U);
  EXPECT_THAT(std::vector<std::int64_t>(batch.indptr().begin(), batch.indptr().end()),
              ElementsAre(0, 2, 2, 3, 3, 3));
  EXPECT_THAT(std::vector<std::int64_t>(batch.indices().begin(), batch.indices().end()),
              ElementsAre(1, 4, 7));
  EXPECT_THAT(std::vector<float>(batch.values().begin(), batch.values().end()),
              ElementsAre(0.5F, 2.0F, 3.5F));
  EXPECT_THAT(batch.features(), IsEmpty());
}

}  // namespace
}  // namespace chanload::pipeline
