// The .npy files `chanload read --output` writes: header, shape and data, in float32 and float64.
#include "format/npy_writer.h"

#include <gtest/gtest.h>

#include <array>
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
