// What the decoders produce: rows of float32 values, dense or sparse (CSR), with their labels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace chanload::format {

struct DecodedRows {
  std::size_t rows = 0;
  std::size_t label_size = 0;  // labels per row
  std::vector<float> labels;   // rows x label_size, row-major

  // Dense rows: rows x columns, row-major.
  std::vector<float> features;
  std::size_t columns = 0;  // dense: the row width; sparse: the shape's column count

  // Sparse rows (RecordIO-protobuf with keys): CSR. indptr has rows + 1 entries.
  bool sparse = false;
  std::vector<std::int64_t> indptr{0};
  std::vector<std::int64_t> indices;
  std::vector<float> values;

  void clear() {
    rows = 0;
    labels.clear();
    features.clear();
    indptr.assign(1, 0);
    indices.clear();
    values.clear();
  }
};

}  // namespace chanload::format
