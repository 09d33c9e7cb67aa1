#include "sizing/sample.h"

#include <chanload/errors.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "format/csv_decoder.h"
#include "format/decoded_rows.h"
#include "format/recordio_protobuf_decoder.h"
#include "sizing/memory_stream.h"

namespace chanload::sizing {
namespace {

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot open", path);
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw IoError(path + ": read failed", path);
  return bytes;
}

}  // namespace

void Sample::throw_framing_error(const std::string& origin, std::size_t offset, std::uint64_t line,
                                 const format::FramingError& error) {
  std::string where = origin + ": record at byte offset " + std::to_string(offset);
  if (line != 0) where += " (line " + std::to_string(line) + ")";
  throw DataError(where + ": " + error.what(), origin, offset + error.offset_in_record());
}

Sample::Sample(const std::vector<std::string>& files, const DecodeSettings& settings,
               const format::FramerOptions& framer_options)
    : settings_(settings) {
  using format::DataFormat;
  files_.reserve(files.size());  // records point into these strings: no reallocation after framing starts
  for (const auto& path : files) {
    SampleFile& file = files_.emplace_back();
    file.path = path;
    file.stored = read_whole(path);
    decompress_all(file.stored, path, &file.decompressed);
    stored_bytes_ += file.stored.size();
    bytes_ += file.decompressed.size();
  }

  const auto framer = format::make_framer(format::record_format_of(settings.format), framer_options);
  std::vector<std::byte> scratch;
  format::CsvDecodeOptions csv_options;
  csv_options.label_size = settings.label_size;
  csv_options.delimiter = settings.delimiter;
  csv_options.header = settings.header;
  format::CsvDecoder csv(csv_options);
  format::RecordIOProtobufDecoder protobuf;
  format::DecodedRows first_row;
  for (const SampleFile& file : files_) {
    frame(file, *framer, scratch, [&](std::span<const std::byte> payload, const format::RecordPlace& place) {
      if (!payload.empty() && !scratch.empty() && payload.data() == scratch.data()) {
        payload = gathered_.emplace_back(payload.begin(), payload.end());  // scratch is reused
      }
      records_.push_back({payload, place});
      if (settings.format == DataFormat::kRecordIOProtobuf) {
        if (data_records_++ == 0) {
          protobuf.decode(payload, place, first_row);
          decoded_row_bytes_ = (first_row.features.size() + first_row.labels.size()) * sizeof(float) +
                               first_row.values.size() * (sizeof(float) + sizeof(std::int64_t));
        }
      } else if (settings.format != DataFormat::kCsv) {
        ++data_records_;
        decoded_row_bytes_ = std::max(decoded_row_bytes_, payload.size());
      } else if (csv.is_data_row(payload, place)) {
        ++data_records_;
        if (csv_columns_ == 0) {
          csv.decode(payload, place, first_row);
          csv_columns_ = csv.column_count();
        }
      }
    });
  }
  if (settings.format == DataFormat::kCsv) decoded_row_bytes_ = csv_columns_ * sizeof(float);
}

}  // namespace chanload::sizing
