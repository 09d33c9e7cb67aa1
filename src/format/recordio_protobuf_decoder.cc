#include "format/recordio_protobuf_decoder.h"

#include <chanload/errors.h>

#include <cstring>
#include <string>
#include <string_view>

namespace chanload::format {
namespace {

// The proto2 wire format: tags are (field << 3) | wire type.
enum WireType : std::uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

class WireError : public std::runtime_error {
 public:
  WireError(const std::string& what, std::size_t at) : std::runtime_error(what), at_(at) {}
  [[nodiscard]] std::size_t at() const { return at_; }

 private:
  std::size_t at_;
};

// Reads one message's bytes; base is the offset of these bytes in the whole payload (for messages).
class WireReader {
 public:
  WireReader(const std::uint8_t* begin, const std::uint8_t* end, std::size_t base)
      : begin_(begin), p_(begin), end_(end), base_(base) {}

  [[nodiscard]] bool done() const { return p_ >= end_; }
  [[nodiscard]] std::size_t position() const { return base_ + static_cast<std::size_t>(p_ - begin_); }

  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) throw WireError("varint runs past the end of its message", position());
      const std::uint8_t byte = *p_++;
      value |= static_cast<std::uint64_t>(byte & 0x7FU) << shift;
      if ((byte & 0x80U) == 0) return value;
    }
    throw WireError("varint longer than 10 bytes", position());
  }

  // A length-delimited field's bytes, as a reader of its own.
  WireReader nested() {
    const std::uint64_t length = varint();
    if (length > static_cast<std::uint64_t>(end_ - p_)) {
      throw WireError("field length " + std::to_string(length) + " runs past the end of its message",
                      position());
    }
    WireReader inner(p_, p_ + length, position());
    p_ += length;
    return inner;
  }

  const std::uint8_t* fixed(std::size_t bytes) {
    if (static_cast<std::size_t>(end_ - p_) < bytes) throw WireError("fixed-size field cut off", position());
    const std::uint8_t* at = p_;
    p_ += bytes;
    return at;
  }

  void skip(std::uint32_t wire_type) {
    switch (wire_type) {
      case kVarint:
        (void)varint();
        return;
      case kFixed64:
        (void)fixed(8);
        return;
      case kLengthDelimited:
        (void)nested();
        return;
      case kFixed32:
        (void)fixed(4);
        return;
      default:
        throw WireError("unsupported wire type " + std::to_string(wire_type), position());
    }
  }

  [[nodiscard]] std::string_view bytes_view() const {
    return {reinterpret_cast<const char*>(p_), static_cast<std::size_t>(end_ - p_)};
  }

 private:
  const std::uint8_t* begin_;
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  std::size_t base_;
};

// repeated float/double/int32 values = 1, packed or not, appended as the tensor's value type.
template <typename Tensor>
void read_values(WireReader& reader, std::uint32_t wire_type, typename Tensor::Type type, Tensor& tensor) {
  using Value = typename decltype(tensor.values)::value_type;
  const auto append_fixed = [&](const std::uint8_t* at) {
    if (type == Tensor::Type::kFloat32) {
      float v = 0;
      std::memcpy(&v, at, 4);
      tensor.values.push_back(static_cast<Value>(v));
    } else {
      double v = 0;
      std::memcpy(&v, at, 8);
      tensor.values.push_back(static_cast<Value>(v));
    }
  };
  const std::size_t width = type == Tensor::Type::kFloat64 ? 8 : 4;
  if (wire_type == kLengthDelimited) {  // packed
    WireReader packed = reader.nested();
    if (type == Tensor::Type::kInt32) {
      while (!packed.done())
        tensor.values.push_back(static_cast<Value>(static_cast<std::int32_t>(packed.varint())));
      return;
    }
    const std::string_view bytes = packed.bytes_view();
    if (bytes.size() % width != 0)
      throw WireError("packed values not a multiple of the element size", packed.position());
    if (bytes.empty()) return;  // an empty packed field (memcpy may not see a null pointer)
    // The common cases (Float32 into float32, Float64 into float64): one copy into place.
    if (width == sizeof(Value)) {
      const std::size_t old = tensor.values.size();
      tensor.values.resize(old + bytes.size() / width);
      std::memcpy(tensor.values.data() + old, bytes.data(), bytes.size());
      return;
    }
    for (std::size_t i = 0; i < bytes.size(); i += width)
      append_fixed(reinterpret_cast<const std::uint8_t*>(bytes.data() + i));
    return;
  }
  if (type == Tensor::Type::kInt32 && wire_type == kVarint) {
    tensor.values.push_back(static_cast<Value>(static_cast<std::int32_t>(reader.varint())));
  } else if (type == Tensor::Type::kFloat32 && wire_type == kFixed32) {
    append_fixed(reader.fixed(4));
  } else if (type == Tensor::Type::kFloat64 && wire_type == kFixed64) {
    append_fixed(reader.fixed(8));
  } else {
    throw WireError("values field has wire type " + std::to_string(wire_type) + ", wrong for its tensor type",
                    reader.position());
  }
}

// repeated uint64 keys = 2 / shape = 3, packed or not.
void read_uint64s(WireReader& reader, std::uint32_t wire_type, std::vector<std::uint64_t>& out) {
  if (wire_type == kLengthDelimited) {
    WireReader packed = reader.nested();
    while (!packed.done()) out.push_back(packed.varint());
  } else if (wire_type == kVarint) {
    out.push_back(reader.varint());
  } else {
    throw WireError("keys/shape field has wire type " + std::to_string(wire_type), reader.position());
  }
}

template <typename Tensor>
void read_tensor(WireReader reader, typename Tensor::Type type, Tensor& tensor) {
  if (tensor.type != Tensor::Type::kNone && tensor.type != type) {
    throw WireError("a value holds two tensors of different types", reader.position());
  }
  tensor.type = type;
  while (!reader.done()) {
    const std::uint64_t tag = reader.varint();
    const auto field = static_cast<std::uint32_t>(tag >> 3U);
    const auto wire_type = static_cast<std::uint32_t>(tag & 7U);
    if (field == 1) {
      read_values(reader, wire_type, type, tensor);
    } else if (field == 2) {
      read_uint64s(reader, wire_type, tensor.keys);
    } else if (field == 3) {
      read_uint64s(reader, wire_type, tensor.shape);
    } else {
      reader.skip(wire_type);
    }
  }
}

// Value { oneof { Float32Tensor = 2; Float64Tensor = 3; Int32Tensor = 7; Bytes = 9 } }
template <typename Tensor>
void read_value(WireReader reader, Tensor& tensor) {
  while (!reader.done()) {
    const std::uint64_t tag = reader.varint();
    const auto field = static_cast<std::uint32_t>(tag >> 3U);
    const auto wire_type = static_cast<std::uint32_t>(tag & 7U);
    if (wire_type == kLengthDelimited && (field == 2 || field == 3 || field == 7)) {
      const auto type = field == 2   ? Tensor::Type::kFloat32
                        : field == 3 ? Tensor::Type::kFloat64
                                     : Tensor::Type::kInt32;
      read_tensor(reader.nested(), type, tensor);
    } else if (field == 9) {
      throw WireError("a Bytes value: only Float32, Float64 and Int32 tensors can be decoded to numbers",
                      reader.position());
    } else {
      reader.skip(wire_type);
    }
  }
}

// map<string, Value> entry: { key = 1; value = 2 }
template <typename Tensor>
void read_map_entry(WireReader reader, const char* map_name, Tensor& tensor) {
  std::string_view key;
  bool has_value = false;
  std::size_t value_at = 0;
  WireReader value(nullptr, nullptr, 0);
  while (!reader.done()) {
    const std::uint64_t tag = reader.varint();
    const auto field = static_cast<std::uint32_t>(tag >> 3U);
    const auto wire_type = static_cast<std::uint32_t>(tag & 7U);
    if (field == 1 && wire_type == kLengthDelimited) {
      key = reader.nested().bytes_view();
    } else if (field == 2 && wire_type == kLengthDelimited) {
      value_at = reader.position();
      value = reader.nested();
      has_value = true;
    } else {
      reader.skip(wire_type);
    }
  }
  if (key != "values") {
    throw WireError(std::string(map_name) + " has the key \"" + std::string(key.substr(0, 64)) +
                        "\"; only \"values\" (the SageMaker convention) is decoded",
                    value_at);
  }
  if (has_value) read_value(value, tensor);
}

}  // namespace

RecordIOProtobufDecoder::RecordIOProtobufDecoder(RecordIOProtobufOptions options) : options_(options) {}

template <>
RecordIOProtobufDecoder::Tensors<float>& RecordIOProtobufDecoder::tensors<float>() {
  return f32_;
}
template <>
RecordIOProtobufDecoder::Tensors<double>& RecordIOProtobufDecoder::tensors<double>() {
  return f64_;
}

template <typename T>
void RecordIOProtobufDecoder::adopt_layout(bool sparse, std::size_t columns, std::size_t label_size,
                                           BasicDecodedRows<T>& out) {
  decided_ = true;
  sparse_ = sparse;
  out.sparse = sparse && !options_.densify;
  out.columns = columns;
  out.label_size = label_size;
}

template <typename T>
void RecordIOProtobufDecoder::decode(std::span<const std::byte> payload, const RecordPlace& place,
                                     BasicDecodedRows<T>& out) {
  // The origin is copied only for an error: a channel's paths are longer than a short string's
  // buffer, and a copy per record was a heap allocation per record.
  const auto fail = [&](const std::string& why, std::size_t at) {
    const std::string origin = place.origin != nullptr ? *place.origin : std::string("?");
    throw DataError(origin + ": RecordIO-protobuf record at byte offset " + std::to_string(place.offset) +
                        ", protobuf byte " + std::to_string(at) + ": " + why,
                    origin, place.offset);
  };
  auto& [features, label] = tensors<T>();  // scratch reused across records
  features.clear();
  label.clear();
  const auto* begin = reinterpret_cast<const std::uint8_t*>(payload.data());
  try {
    WireReader record(begin, begin + payload.size(), 0);
    while (!record.done()) {
      const std::uint64_t tag = record.varint();
      const auto field = static_cast<std::uint32_t>(tag >> 3U);
      const auto wire_type = static_cast<std::uint32_t>(tag & 7U);
      if (field == 1 && wire_type == kLengthDelimited) {
        read_map_entry(record.nested(), "features", features);
      } else if (field == 2 && wire_type == kLengthDelimited) {
        read_map_entry(record.nested(), "label", label);
      } else {
        record.skip(wire_type);  // uid, metadata, configuration, and fields this schema does not know
      }
    }
  } catch (const WireError& e) {
    fail(e.what(), e.at());
  }

  const bool sparse = !features.keys.empty() || !features.shape.empty();
  if (sparse && features.shape.size() != 1) {
    fail(features.shape.empty()
             ? "sparse features (keys) without a shape"
             : "sparse features with a shape of rank " + std::to_string(features.shape.size()),
         0);
  }
  if (sparse && features.keys.size() != features.values.size()) {
    fail(std::to_string(features.keys.size()) + " keys for " + std::to_string(features.values.size()) +
             " values",
         0);
  }
  const std::uint64_t shape_width = sparse ? features.shape[0] : features.values.size();
  if (sparse && options_.densify && shape_width > options_.max_row_bytes / sizeof(T)) {
    fail("a sparse row of shape [" + std::to_string(shape_width) + "] would densify past max_row_bytes (" +
             std::to_string(options_.max_row_bytes) + ")",
         0);
  }
  const auto width = static_cast<std::size_t>(shape_width);
  if (!decided_) {
    decided_ = true;
    sparse_ = sparse;
    out.sparse = sparse && !options_.densify;
    out.columns = width;
    out.label_size = label.values.size();
  }
  if (sparse != sparse_)
    fail(sparse ? "a sparse record in a channel whose first record was dense"
                : "a dense record in a channel whose first record was sparse",
         0);
  if (width != out.columns) {
    fail("has " + std::to_string(width) + " feature columns where the first record had " +
             std::to_string(out.columns),
         0);
  }
  if (label.values.size() != out.label_size) {
    fail("has " + std::to_string(label.values.size()) + " label values where the first record had " +
             std::to_string(out.label_size),
         0);
  }
  for (std::uint64_t key : features.keys) {
    if (key >= width)
      fail("key " + std::to_string(key) + " outside the shape [" + std::to_string(width) + "]", 0);
  }

  out.labels.insert(out.labels.end(), label.values.begin(), label.values.end());
  if (!sparse) {
    out.features.insert(out.features.end(), features.values.begin(), features.values.end());
  } else if (options_.densify) {
    const std::size_t start = out.features.size();
    out.features.resize(start + width, T{0});
    for (std::size_t i = 0; i < features.keys.size(); ++i)
      out.features[start + features.keys[i]] = features.values[i];
  } else {
    for (std::uint64_t key : features.keys) out.indices.push_back(static_cast<std::int64_t>(key));
    out.values.insert(out.values.end(), features.values.begin(), features.values.end());
    out.indptr.push_back(static_cast<std::int64_t>(out.indices.size()));
  }
  ++out.rows;
}

template void RecordIOProtobufDecoder::decode(std::span<const std::byte>, const RecordPlace&, DecodedRows&);
template void RecordIOProtobufDecoder::decode(std::span<const std::byte>, const RecordPlace&,
                                              DecodedRowsF64&);
template void RecordIOProtobufDecoder::adopt_layout(bool, std::size_t, std::size_t, DecodedRows&);
template void RecordIOProtobufDecoder::adopt_layout(bool, std::size_t, std::size_t, DecodedRowsF64&);

}  // namespace chanload::format
