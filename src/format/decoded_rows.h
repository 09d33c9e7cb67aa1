// What the decoders produce: rows of values (float32 or float64: LoaderOptions::dtype), dense or
// sparse (CSR), with their labels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace chanload::format {

template <typename T>
struct BasicDecodedRows {
  using value_type = T;

  std::size_t rows = 0;
  std::size_t label_size = 0;  // labels per row
  std::vector<T> labels;       // rows x label_size, row-major

  // Dense rows: rows x columns, row-major.
  std::vector<T> features;
  std::size_t columns = 0;  // dense: the row width; sparse: the shape's column count

  // Sparse rows (RecordIO-protobuf with keys): CSR. indptr has rows + 1 entries.
  bool sparse = false;
  std::vector<std::int64_t> indptr{0};
  std::vector<std::int64_t> indices;
  std::vector<T> values;

  void clear() {
    rows = 0;
    labels.clear();
    features.clear();
    indptr.assign(1, 0);
    indices.clear();
    values.clear();
  }
};

using DecodedRows = BasicDecodedRows<float>;
using DecodedRowsF64 = BasicDecodedRows<double>;

}  // namespace chanload::format
