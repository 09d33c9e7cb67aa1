// Writing the proto2 wire format by hand, for RecordIO-protobuf test and benchmark data (the decoder
// reads it without a protobuf runtime, and so do these writers).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chanload::testing {

inline std::string varint(std::uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

// Field `number` of wire type `wire`; a length-delimited (2) body gets its length prefix.
inline std::string field(std::uint32_t number, std::uint32_t wire, const std::string& body) {
  return varint((number << 3) | wire) + (wire == 2 ? varint(body.size()) : "") + body;
}

inline std::string packed_floats(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4);
}

inline std::string packed_doubles(const std::vector<double>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 8);
}

inline std::string packed_varints(const std::vector<std::uint64_t>& v) {
  std::string out;
  for (auto x : v) out += varint(x);
  return out;
}

// A features (map_field 1) or label (2) map entry {key "values", value {tensor_field: tensor}}, with
// tensor_field 2 (Float32Tensor), 3 (Float64Tensor) or 7 (Int32Tensor).
inline std::string entry(std::uint32_t map_field, std::uint32_t tensor_field, const std::string& tensor) {
  return field(map_field, 2, field(1, 2, "values") + field(2, 2, field(tensor_field, 2, tensor)));
}

// One MXNet RecordIO record (cflag 0): magic, length, payload, padding to 4 bytes.
inline std::string recordio_record(const std::string& payload) {
  const auto u32 = [](std::uint32_t v) {
    std::string out(4, '\0');
    for (int i = 0; i < 4; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFFU);
    return out;
  };
  std::string out = u32(0xCED7230AU) + u32(static_cast<std::uint32_t>(payload.size())) + payload;
  out.append((4 - payload.size() % 4) % 4, '\0');
  return out;
}

}  // namespace chanload::testing
