#include "format/record_writers.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "format/crc32c.h"

namespace chanload::format {
namespace {

void append_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFFU));
}

void append_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7FU) | 0x80U));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

std::size_t varint_size(std::uint64_t value) {
  std::size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

constexpr std::uint32_t kLengthDelimited = 2;

void append_tag(std::string& out, std::uint32_t field, std::uint32_t wire_type) {
  append_varint(out, (std::uint64_t{field} << 3) | wire_type);
}

// The sizes of the nested messages, innermost first, so each is written once with its length prefix:
// Record{ map_field: Entry{ 1: "values", 2: Value{ 2: Float32Tensor{ 1: packed values } } } }.
void append_float32_entry(std::string& out, std::uint32_t map_field, std::span<const float> values) {
  const std::size_t packed = values.size() * sizeof(float);
  const std::size_t tensor = 1 + varint_size(packed) + packed;
  const std::size_t value = 1 + varint_size(tensor) + tensor;
  constexpr std::string_view kKey = "values";
  const std::size_t entry = 1 + varint_size(kKey.size()) + kKey.size() + 1 + varint_size(value) + value;

  append_tag(out, map_field, kLengthDelimited);
  append_varint(out, entry);
  append_tag(out, 1, kLengthDelimited);
  append_varint(out, kKey.size());
  out.append(kKey);
  append_tag(out, 2, kLengthDelimited);
  append_varint(out, value);
  append_tag(out, 2, kLengthDelimited);  // Value.float32_tensor
  append_varint(out, tensor);
  append_tag(out, 1, kLengthDelimited);  // Float32Tensor.values, packed
  append_varint(out, packed);
  for (const float v : values) {
    std::array<char, sizeof(float)> raw{};
    std::memcpy(raw.data(), &v, sizeof v);
    out.append(raw.data(), raw.size());  // little-endian hosts only, as the decoder assumes
  }
}

}  // namespace

void append_csv_row(std::string& out, std::span<const float> values) {
  std::array<char, 32> field{};
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    const auto result =
        std::to_chars(field.data(), field.data() + field.size(), values[i], std::chars_format::general, 7);
    out.append(field.data(), result.ptr);
  }
  out.push_back('\n');
}

void append_recordio(std::string& out, std::span<const std::byte> payload) {
  if (payload.size() >= (std::size_t{1} << 29))
    throw std::length_error("RecordIO payloads are under 512 MiB");
  append_le(out, 0xCED7230AU, 4);
  append_le(out, payload.size(), 4);  // cflag 0 in the top 3 bits: a whole record
  out.append(reinterpret_cast<const char*>(payload.data()), payload.size());
  out.append((4 - payload.size() % 4) % 4, '\0');
}

void append_dense_record_protobuf(std::string& out, std::span<const float> features,
                                  std::span<const float> label) {
  append_float32_entry(out, 1, features);
  append_float32_entry(out, 2, label);
}

void append_tfrecord(std::string& out, std::span<const std::byte> payload) {
  std::string length;
  append_le(length, payload.size(), 8);
  out += length;
  append_le(out, mask_crc(crc32c(length.data(), length.size())), 4);
  out.append(reinterpret_cast<const char*>(payload.data()), payload.size());
  append_le(out, mask_crc(crc32c(payload.data(), payload.size())), 4);
}

}  // namespace chanload::format
