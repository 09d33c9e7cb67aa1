// RecordIO-protobuf (application/x-recordio-protobuf): each RecordIO payload is one proto2
// aialgs.data.Record. The schema is fixed and small, so the wire format is read directly, with no
// protobuf runtime: features and label maps under the key "values", each a Float32, Float64 or
// Int32 tensor, dense (values) or sparse (values, keys and shape). Fields in any order, packed or
// not; unknown fields are skipped. Values become float32.
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
  void decode(std::span<const std::byte> payload, const RecordPlace& place, DecodedRows& out);

  // Takes the layout (dense or sparse, width, label count) from a record decoded elsewhere, so every
  // record this decoder sees is checked against the channel's first. out gets the same layout.
  void adopt_layout(bool sparse, std::size_t columns, std::size_t label_size, DecodedRows& out);
  // Whether the records are sparse (keys and shape), densified or not; valid after the first record.
  [[nodiscard]] bool sparse_records() const { return sparse_; }

 private:
  struct Tensor {
    enum class Type { kNone, kFloat32, kFloat64, kInt32 } type = Type::kNone;
    std::vector<float> values;
    std::vector<std::uint64_t> keys;
    std::vector<std::uint64_t> shape;
    void clear() {
      type = Type::kNone;
      values.clear();
      keys.clear();
      shape.clear();
    }
  };

  RecordIOProtobufOptions options_;
  Tensor features_;
  Tensor label_;
  bool decided_ = false;
  bool sparse_ = false;
};

}  // namespace chanload::format
