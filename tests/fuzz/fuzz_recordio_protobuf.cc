// One RecordIO-protobuf payload (twice: the second checks consistency against the first), into
// float32 and float64 rows.
// Densified rows are capped at 8 MiB here: two rows and the vector's growth must stay under the
// 64 MiB malloc limit make fuzz sets (a 64 MiB cap let the second row allocate 128 MiB).
#include <chanload/errors.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "format/recordio_protobuf_decoder.h"

using namespace chanload::format;

namespace {

// The same payload decoded into float32 or float64 rows (LoaderOptions::dtype).
template <typename T>
void decode_twice(std::span<const std::byte> payload, bool densify) {
  const std::string origin = "fuzz.rec";
  RecordIOProtobufDecoder decoder({densify, std::size_t{8} << 20});
  BasicDecodedRows<T> rows;
  try {
    decoder.decode(payload, RecordPlace{&origin, 0, 0}, rows);
    decoder.decode(payload, RecordPlace{&origin, 0, 0}, rows);
  } catch (const chanload::DataError&) {
  }
  if (rows.sparse && rows.indptr.size() != rows.rows + 1) __builtin_trap();
  if (rows.labels.size() != rows.rows * rows.label_size) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> payload(reinterpret_cast<const std::byte*>(data), size);
  for (bool densify : {false, true}) {
    decode_twice<float>(payload, densify);
    decode_twice<double>(payload, densify);
  }
  return 0;
}
