// RecordIO-protobuf (application/x-recordio-protobuf): each RecordIO payload is one proto2
// aialgs.data.Record. The schema is fixed and small, so the wire format is read directly, with no
// protobuf runtime: features and label maps under the key "values", each a Float32, Float64 or
// Int32 tensor, dense (values) or sparse (values, keys and shape). Fields in any order, packed or
// not; unknown fields are skipped. Values become the output's type, float32 or float64 (Float64
// rounds to float32; Int32 converts, exactly in float64).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "format/decoded_rows.h"
#include "format/framer.h"

namespace chanload::format {

struct RecordIOProtobufOptions {
  bool densify = false;  // sparse rows written as dense rows (zeros filled in) of the shape's width
  // A densified row larger than this is a DataError: the width comes from the data (the shape) and
  // must not size an allocation unchecked.
  std::size_t max_row_bytes = std::size_t{64} << 20;
};

class RecordIOProtobufDecoder {
 public:
  explicit RecordIOProtobufDecoder(RecordIOProtobufOptions options = {});

  // Decodes one Record and appends its row to out. The first record decides dense or sparse, the
  // label count and the width; a record that disagrees is a DataError naming the file and offset.
  // T is float or double.
  template <typename T>
  void decode(std::span<const std::byte> payload, const RecordPlace& place, BasicDecodedRows<T>& out);

  // Takes the layout (dense or sparse, width, label count) from a record decoded elsewhere, so every
  // record this decoder sees is checked against the channel's first. out gets the same layout.
  template <typename T>
  void adopt_layout(bool sparse, std::size_t columns, std::size_t label_size, BasicDecodedRows<T>& out);
  // Whether the records are sparse (keys and shape), densified or not; valid after the first record.
  [[nodiscard]] bool sparse_records() const { return sparse_; }

 private:
  // One map entry's tensor, its values already in the output type T.
  template <typename T>
  struct Tensor {
    enum class Type { kNone, kFloat32, kFloat64, kInt32 } type = Type::kNone;
    std::vector<T> values;
    std::vector<std::uint64_t> keys;
    std::vector<std::uint64_t> shape;
    void clear() {
      type = Type::kNone;
      values.clear();
      keys.clear();
      shape.clear();
    }
  };

  template <typename T>
  struct Tensors {
    Tensor<T> features;
    Tensor<T> label;
  };
  // The scratch of the type being decoded (only one is used by a loader's decoder).
  template <typename T>
  Tensors<T>& tensors();

  RecordIOProtobufOptions options_;
  Tensors<float> f32_;
  Tensors<double> f64_;
  bool decided_ = false;
  bool sparse_ = false;
};

}  // namespace chanload::format
