#include "format/framer.h"

#include "format/framer_factories.h"

namespace chanload::format {

std::unique_ptr<Framer> make_framer(RecordFormat format, const FramerOptions& options) {
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
