// CSV rows (framed) through the decoder, with options the input chooses, into float32 or float64 rows.
#include <chanload/errors.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "format/csv_decoder.h"
#include "format/framer.h"
#include "format/framing_error.h"

using namespace chanload::format;

namespace {

template <typename T>
void decode_all(const std::uint8_t* data, std::size_t size) {
  CsvDecodeOptions options;
  options.label_size = data[0] % 4;
  // bits 2 and 7 (bit 6 picks float or double below): tab and space are also padding.
  constexpr char kDelimiters[] = {',', ';', '\t', ' '};
  options.delimiter = kDelimiters[((data[0] >> 2) & 1) | ((data[0] >> 6) & 2)];
  options.header = (data[0] & 8) != 0;
  options.empty_is_nan = (data[0] & 16) == 0;
  options.bad_records = (data[0] & 32) != 0 ? BadRecordPolicy::kSkip : BadRecordPolicy::kError;
  const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  auto framer = make_framer(RecordFormat::kCsv, {});
  CsvDecoder decoder(options);
  BasicDecodedRows<T> rows;
  std::vector<std::byte> scratch;
  const std::string origin = "fuzz.csv";
  std::uint64_t offset = 0;
  std::uint64_t line = 1;
  try {
    while (!input.empty() && offset < input.size()) {
      const auto rest = input.subspan(offset);
      const Scan scan = framer->scan(rest);
      auto record = rest.first(scan.take);
      if (!scan.complete && !framer->accept_unterminated(record, {})) break;
      decoder.decode(framer->finish(record, {}, scratch), RecordPlace{&origin, offset, line}, rows);
      line += framer->lines_in(record);
      offset += scan.take;
    }
  } catch (const chanload::DataError&) {
  } catch (const FramingError&) {
  }
  if (rows.labels.size() != rows.rows * rows.label_size) __builtin_trap();
  if (rows.features.size() != rows.rows * rows.columns) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  if ((data[0] & 64) != 0) {
    decode_all<double>(data, size);
  } else {
    decode_all<float>(data, size);
  }
  return 0;
}
