#include "format/framer.h"

#include <chanload/errors.h>

#include <string>

#include "format/framer_factories.h"

namespace chanload::format {

std::unique_ptr<Framer> make_framer(RecordFormat format, const FramerOptions& options) {
  // Sums of a record's length and its framing must not wrap: the bound keeps them far from 2^64.
  if (options.max_record_bytes == 0 || options.max_record_bytes > kMaxRecordBytesLimit) {
    throw ConfigError("max_record_bytes " + std::to_string(options.max_record_bytes) + " is not in 1.." +
                      std::to_string(kMaxRecordBytesLimit) + " bytes");
  }
  switch (format) {
    case RecordFormat::kLines:
      return make_line_framer();
    case RecordFormat::kCsv:
      return make_csv_row_framer(options.csv_quote);
    case RecordFormat::kRecordIO:
      return make_recordio_framer(options);
    case RecordFormat::kTFRecord:
      return make_tfrecord_framer(options);
  }
  return make_line_framer();
}

}  // namespace chanload::format
