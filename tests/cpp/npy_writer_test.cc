// The .npy files `chanload read --output` writes: header, shape and data, in float32 and float64.
#include "format/npy_writer.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>

#include "test_tree.h"

namespace chanload::format {
namespace {

using testing::TestTree;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(NpyWriter, WritesTheShapeAndTheValuesOfEachDtype) {
  TestTree tree;
  const std::string f4 = (tree.root() / "f4.npy").string();
  const std::string f8 = (tree.root() / "f8.npy").string();
  const std::array<float, 6> floats{1, 2, 3, 4, 5, 6};
  const std::array<double, 6> doubles{0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
  {
    NpyWriter writer(f4, "<f4", sizeof(float));
    writer.set_columns(3);
    writer.append(std::as_bytes(std::span(floats).first(3)), 1);
    writer.append(std::as_bytes(std::span(floats).subspan(3)), 1);
    writer.close();
    NpyWriter wide(f8, "<f8", sizeof(double));
    wide.set_columns(2);
    wide.append(std::as_bytes(std::span(doubles)), 3);
    wide.close();
  }
  const std::string a = read_file(f4);
  ASSERT_EQ(a.size(), 128 + sizeof floats);
  EXPECT_EQ(a.substr(0, 6), "\x93NUMPY");
  EXPECT_NE(a.find("'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), std::string::npos);
  EXPECT_EQ(a.substr(128), std::string(reinterpret_cast<const char*>(floats.data()), sizeof floats));
  const std::string b = read_file(f8);
  ASSERT_EQ(b.size(), 128 + sizeof doubles);
  EXPECT_NE(b.find("'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }"), std::string::npos);
  EXPECT_EQ(b.substr(128), std::string(reinterpret_cast<const char*>(doubles.data()), sizeof doubles));
}

// Regression: a width of 0 (labels.npy when label_size is 0) wrote shape (rows,) with no data,
// which numpy.load refuses; it is (rows, 0). Without a width the array is 1-D (offsets.npy).
TEST(NpyWriter, ZeroColumnsIsTwoDimensionalAndNoColumnsOneDimensional) {
  TestTree tree;
  const std::string empty_rows = (tree.root() / "labels.npy").string();
  const std::string flat = (tree.root() / "offsets.npy").string();
  const std::array<std::int64_t, 3> offsets{0, 5, 9};
  {
    NpyWriter labels(empty_rows, "<f4", sizeof(float));
    labels.set_columns(0);
    labels.append({}, 4);
    labels.append({}, 3);
    labels.close();
    NpyWriter one_d(flat, "<i8", sizeof(std::int64_t));
    one_d.append(std::as_bytes(std::span(offsets)), offsets.size());
    one_d.close();
  }
  const std::string a = read_file(empty_rows);
  EXPECT_EQ(a.size(), 128U);
  EXPECT_NE(a.find("'shape': (7, 0), }"), std::string::npos) << a;
  const std::string b = read_file(flat);
  EXPECT_EQ(b.size(), 128 + sizeof offsets);
  EXPECT_NE(b.find("'shape': (3,), }"), std::string::npos) << b;
}

TEST(NpyWriter, RowsOfAnotherWidthOrElementSizeAreRefused) {
  TestTree tree;
  const std::string path = (tree.root() / "x.npy").string();
  NpyWriter writer(path, "<f8", sizeof(double));
  writer.set_columns(3);
  const std::array<float, 3> floats{1, 2, 3};  // 12 bytes: not one row of three float64 values
  try {
    writer.append(std::as_bytes(std::span(floats)), 1);
    FAIL() << "no error";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("x.npy: 12 bytes for 1 rows of 3 x 8-byte values"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace chanload::format
