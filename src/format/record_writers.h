// Writing records in the formats chanload reads, for generated data (chanload bench's synthetic
// channels): CSV rows, MXNet RecordIO framing, RecordIO-protobuf dense tensors laid out as the
// SageMaker SDK's write_numpy_to_dense_tensor writes them, and TFRecord framing with its CRCs.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace chanload::format {

// values as one CSV row ("v0,v1,...\n"), each with 7 significant digits (float32 round-trips need 9;
// 7 is what the benchmarks' data and most exported CSV use).
void append_csv_row(std::string& out, std::span<const float> values);

// One RecordIO record (magic, cflag 0 and length, payload, zero padding to 4 bytes). payload must be
// shorter than 2^29 bytes, RecordIO's length field.
void append_recordio(std::string& out, std::span<const std::byte> payload);

// One aialgs.data.Record with dense Float32Tensor features and label (the SDK's layout: the map
// entries under the key "values", values packed). Appended to out, without framing.
void append_dense_record_protobuf(std::string& out, std::span<const float> features,
                                  std::span<const float> label);

// One TFRecord record: length, masked CRC32C of the length, payload, masked CRC32C of the payload.
void append_tfrecord(std::string& out, std::span<const std::byte> payload);

}  // namespace chanload::format
