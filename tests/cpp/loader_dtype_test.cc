// LoaderOptions::dtype end to end: float64 batches from CSV and RecordIO-protobuf (dense, sparse,
// shuffled, padded, with skipped rows), the accessors of the wrong type, and the memory they take.
#include <chanload/errors.h>
#include <chanload/loader.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <string>
#include <vector>

#include "memory/cuda_device.h"
#include "protobuf_wire.h"
#include "test_tree.h"

#ifdef CHANLOAD_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

namespace chanload {
namespace {

using ::testing::HasSubstr;
using testing::TestTree;

double from_chars_f64(const std::string& text) {
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// Row id: label id, features "<id>.1" (not exact in binary: float32 and float64 differ) and 3.4e39
// (past float32's range).
std::string fraction(int id) { return std::to_string(id) + ".1"; }

void csv_channel(const TestTree& tree, int rows, const std::string& extra_row = "") {
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": "text/csv;label_size=1"}})");
  std::string content;
  for (int id = 0; id < rows; ++id) {
    content += std::to_string(id) + "," + fraction(id) + ",3.4e39\n";
    if (id == rows / 2) content += extra_row;
  }
  tree.write("input/data/train/part-1.csv", content);
}

TEST(LoaderDType, Float64CsvShuffledAndPaddedEqualsFromCharsToDouble) {
  TestTree tree;
  csv_channel(tree, 100);
  LoaderOptions options;
  options.dtype = DType::kFloat64;
  options.batch_size = 7;
  options.shuffle_window = 30;
  options.seed = 3;
  options.threads = 3;
  options.last_batch = LastBatch::kPad;
  std::vector<int> ids;
  std::size_t padded = 0;
  {
    Loader loader(tree.environment(), "train", options);
    while (auto batch = loader.next()) {
      ASSERT_EQ(batch->dtype(), DType::kFloat64);
      const auto labels = batch->labels_f64();
      const auto features = batch->features_f64();
      ASSERT_EQ(labels.size(), 7U);
      ASSERT_EQ(features.size(), 14U);
      const std::size_t real = batch->rows() - batch->padding_rows();
      for (std::size_t r = 0; r < real; ++r) {
        const int id = static_cast<int>(labels[r]);
        ids.push_back(id);
        EXPECT_EQ(features[2 * r], from_chars_f64(fraction(id)));
        EXPECT_EQ(features[2 * r + 1], 3.4e39);
      }
      for (std::size_t r = real; r < batch->rows(); ++r) {
        EXPECT_EQ(labels[r], 0.0);
        EXPECT_EQ(features[2 * r], 0.0);
        EXPECT_EQ(features[2 * r + 1], 0.0);
      }
      padded += batch->padding_rows();
    }
    EXPECT_EQ(loader.stats().decode.bytes, 100U * 3 * sizeof(double));
  }
  EXPECT_EQ(padded, 5U);  // 100 = 14 * 7 + 2
  // The order is the seed's, whatever the dtype: float32 delivers the same ids.
  options.dtype = DType::kFloat32;
  Loader narrow(tree.environment(), "train", options);
  std::vector<int> narrow_ids;
  while (auto batch = narrow.next()) {
    for (std::size_t r = 0; r < batch->rows() - batch->padding_rows(); ++r)
      narrow_ids.push_back(static_cast<int>(batch->labels()[r]));
    EXPECT_EQ(batch->features()[1], INFINITY);
  }
  EXPECT_EQ(ids, narrow_ids);
  std::vector<int> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  for (int id = 0; id < 100; ++id) ASSERT_EQ(sorted[static_cast<std::size_t>(id)], id);
}

TEST(LoaderDType, Float64SkippedRowsCloseTheirGap) {
  TestTree tree;
  csv_channel(tree, 20, "x,1,2\n");
  LoaderOptions options;
  options.dtype = DType::kFloat64;
  options.batch_size = 8;
  options.bad_records = BadRecords::kSkip;
  Loader loader(tree.environment(), "train", options);
  int next_id = 0;
  std::size_t skipped = 0;
  while (auto batch = loader.next()) {
    skipped += batch->skipped_records();
    for (std::size_t r = 0; r < batch->rows(); ++r, ++next_id) {
      ASSERT_EQ(batch->labels_f64()[r], next_id);
      ASSERT_EQ(batch->features_f64()[2 * r], from_chars_f64(fraction(next_id)));
    }
  }
  EXPECT_EQ(next_id, 20);
  EXPECT_EQ(skipped, 1U);
}

std::string sparse_f64_record(int id) {
  using namespace chanload::testing;
  const std::string tensor = field(1, 2, packed_doubles({0.1 * id, 1e300})) +
                             field(2, 2, packed_varints({static_cast<std::uint64_t>(id % 5), 7})) +
                             field(3, 2, packed_varints({8}));
  return recordio_record(
      entry(1, 3, tensor) +
      entry(2, 7, field(1, 2, packed_varints({16777217U + static_cast<std::uint64_t>(id)}))));
}

TEST(LoaderDType, Float64SparseRecordIOProtobufAsCsrAndDensified) {
  TestTree tree;
  tree.write_config("inputdataconfig.json",
                    R"({"train": {"ContentType": "application/x-recordio-protobuf"}})");
  std::string data;
  for (int id = 0; id < 1000; ++id) data += sparse_f64_record(id);
  tree.write("input/data/train/a.rec", data);
  LoaderOptions options;
  options.dtype = DType::kFloat64;
  options.batch_size = 300;
  options.threads = 3;
  {
    Loader loader(tree.environment(), "train", options);
    int next_id = 0;
    while (auto batch = loader.next()) {
      ASSERT_EQ(batch->kind(), BatchKind::kSparse);
      EXPECT_EQ(batch->columns(), 8U);
      const auto values = batch->values_f64();
      ASSERT_EQ(values.size(), 2 * batch->rows());
      for (std::size_t r = 0; r < batch->rows(); ++r, ++next_id) {
        const auto begin = static_cast<std::size_t>(batch->indptr()[r]);
        EXPECT_EQ(batch->indices()[begin], next_id % 5);
        EXPECT_EQ(values[begin], 0.1 * next_id);
        EXPECT_EQ(values[begin + 1], 1e300);
        EXPECT_EQ(batch->labels_f64()[r], 16777217.0 + next_id);  // Int32 beyond 2^24, exact
      }
      EXPECT_THAT(testing::config_error_of([&] { (void)batch->values(); }), HasSubstr("use values_f64()"));
    }
    EXPECT_EQ(next_id, 1000);
  }
  options.densify = true;
  Loader loader(tree.environment(), "train", options);
  const auto batch = loader.next();
  ASSERT_EQ(batch->kind(), BatchKind::kDense);
  const auto features = batch->features_f64();
  EXPECT_EQ(features[1 * 8 + 1], 0.1);
  EXPECT_EQ(features[1 * 8 + 7], 1e300);
  EXPECT_EQ(features[1 * 8 + 2], 0.0);
}

TEST(LoaderDType, TheAccessorOfTheOtherTypeThrowsNamingTheRightOne) {
  TestTree tree;
  csv_channel(tree, 4);
  LoaderOptions options;
  options.dtype = DType::kFloat64;
  Loader wide(tree.environment(), "train", options);
  const auto f64 = wide.next();
  ASSERT_TRUE(f64);
  EXPECT_THAT(testing::config_error_of([&] { (void)f64->features(); }),
              HasSubstr("Batch::features(): the batch holds float64 values; use features_f64()"));
  EXPECT_THAT(testing::config_error_of([&] { (void)f64->labels(); }), HasSubstr("use labels_f64()"));
  EXPECT_THAT(testing::config_error_of([&] { (void)f64->device_features(); }),
              HasSubstr("use device_features_data()"));
  EXPECT_EQ(f64->device_features_data(), nullptr);  // on the CPU
  EXPECT_TRUE(f64->values_f64().empty());           // a dense batch has no CSR values, of either type
  EXPECT_TRUE(f64->indptr().empty());

  options.dtype = DType::kFloat32;
  Loader narrow(tree.environment(), "train", options);
  const auto f32 = narrow.next();
  ASSERT_TRUE(f32);
  EXPECT_EQ(f32->dtype(), DType::kFloat32);
  EXPECT_THAT(testing::config_error_of([&] { (void)f32->features_f64(); }),
              HasSubstr("the batch holds float32 values; use features()"));
  EXPECT_THAT(testing::config_error_of([&] { (void)f32->labels_f64(); }), HasSubstr("use labels()"));
  EXPECT_EQ(f32->device_features(), nullptr);
}

TEST(LoaderDType, RawBatchesIgnoreTheDType) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"text": {"ContentType": "text/plain"}})");
  tree.write("input/data/text/a.txt", "a\nb\n");
  LoaderOptions options;
  options.dtype = DType::kFloat64;
  Loader loader(tree.environment(), "text", options);
  const auto batch = loader.next();
  ASSERT_EQ(batch->kind(), BatchKind::kRaw);
  EXPECT_EQ(batch->rows(), 2U);
  EXPECT_TRUE(batch->features_f64().empty());
  EXPECT_TRUE(batch->labels().empty());
}

// A float64 slot is twice a float32 one: a budget that holds float32 batches can refuse float64.
TEST(LoaderDType, Float64BatchesCountEightBytesAValueAgainstTheBudget) {
  TestTree tree;
  csv_channel(tree, 10);
  LoaderOptions options;
  options.batch_size = 60000;  // 3 values a row: 720 KB a float32 batch, 1.44 MB a float64 one
  options.memory_budget_bytes = 4U << 20;
  {
    Loader fits(tree.environment(), "train", options);
    EXPECT_TRUE(fits.next());
  }
  options.dtype = DType::kFloat64;
  Loader refused(tree.environment(), "train", options);
  EXPECT_THAT(testing::config_error_of([&] { (void)refused.next(); }), HasSubstr("needs 1440000 bytes"));
}

TEST(LoaderDType, ParseDTypeNamesTheValueAndTheChoices) {
  EXPECT_EQ(parse_dtype("float32"), DType::kFloat32);
  EXPECT_EQ(parse_dtype("float64"), DType::kFloat64);
  EXPECT_EQ(to_string(DType::kFloat64), "float64");
  EXPECT_EQ(size_of(DType::kFloat64), 8U);
  EXPECT_THAT(testing::config_error_of([] { (void)parse_dtype("float16"); }),
              HasSubstr("dtype: \"float16\" is not float32 or float64"));
}

#ifdef CHANLOAD_HAVE_CUDA
template <typename T>
std::vector<T> copy_to_host(const void* device, std::size_t count) {
  std::vector<T> host(count);
  EXPECT_EQ(cudaMemcpy(host.data(), device, count * sizeof(T), cudaMemcpyDeviceToHost), cudaSuccess);
  return host;
}

template <typename T>
void expect_device_copies_equal_host(DType dtype, std::span<const T> (Batch::*features)() const,
                                     std::span<const T> (Batch::*labels)() const) {
  TestTree tree;
  csv_channel(tree, 500);
  LoaderOptions options;
  options.dtype = dtype;
  options.batch_size = 64;
  options.last_batch = LastBatch::kPad;
  options.device = "cuda:0";
  Loader loader(tree.environment(), "train", options);
  std::size_t rows = 0;
  while (auto batch = loader.next()) {
    ASSERT_EQ(batch->dtype(), dtype);
    batch->synchronize();
    const auto host_features = ((*batch).*features)();
    const auto host_labels = ((*batch).*labels)();
    const auto device_features = copy_to_host<T>(batch->device_features_data(), host_features.size());
    const auto device_labels = copy_to_host<T>(batch->device_labels_data(), host_labels.size());
    EXPECT_TRUE(std::equal(host_features.begin(), host_features.end(), device_features.begin()));
    EXPECT_TRUE(std::equal(host_labels.begin(), host_labels.end(), device_labels.begin()));
    rows += batch->rows() - batch->padding_rows();
  }
  EXPECT_EQ(rows, 500U);
}
#endif

// The device copy moves rows x columns values of the batch's dtype: float64 batches arrive whole,
// padding included, not cut to float32's byte count.
TEST(LoaderDType, DeviceCopiesEqualTheHostArraysInEitherDtype) {
  if (memory::probe_cuda().device_count == 0)
    GTEST_SKIP() << "no CUDA device: " << memory::probe_cuda().reason;
#ifdef CHANLOAD_HAVE_CUDA
  expect_device_copies_equal_host<float>(DType::kFloat32, &Batch::features, &Batch::labels);
  expect_device_copies_equal_host<double>(DType::kFloat64, &Batch::features_f64, &Batch::labels_f64);
#endif
}

}  // namespace
}  // namespace chanload
