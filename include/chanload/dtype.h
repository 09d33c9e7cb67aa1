// The element type of a loader's decoded numbers: features, labels and sparse values of CSV and
// RecordIO-protobuf channels. Raw batches (RecordIO, TFRecord, lines) are bytes whatever it says.
#pragma once

#include <cstddef>
#include <string_view>

namespace chanload {

enum class DType {
  kFloat32,  // the default: what SageMaker's algorithms train on, half the memory and bandwidth
  kFloat64,  // for data whose precision float32 would lose (Float64 tensors, long decimals, int32 > 2^24)
};

// "float32" or "float64": the names NumPy, the chanload command and the Python module use.
[[nodiscard]] constexpr std::string_view to_string(DType dtype) {
  return dtype == DType::kFloat64 ? "float64" : "float32";
}

// Bytes per value: 4 or 8.
[[nodiscard]] constexpr std::size_t size_of(DType dtype) { return dtype == DType::kFloat64 ? 8 : 4; }

// The DType named "float32" or "float64"; anything else is a ConfigError naming the value and the
// names accepted.
[[nodiscard]] DType parse_dtype(std::string_view name);

}  // namespace chanload
