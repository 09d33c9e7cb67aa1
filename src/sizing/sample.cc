#include "sizing/sample.h"

#include <chanload/errors.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "format/csv_decoder.h"
#include "format/decoded_rows.h"
#include "format/record_reader.h"
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

io::MemoryChunks Sample::chunks() const {
  std::vector<io::MemoryStream> streams;
  streams.reserve(files_.size());
  for (const SampleFile& file : files_) streams.push_back({file.decompressed, &file.path});
  return io::MemoryChunks(std::move(streams));
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

  format::CsvDecodeOptions csv_options;
  csv_options.label_size = settings.label_size;
  csv_options.delimiter = settings.delimiter;
  csv_options.header = settings.header;
  format::CsvDecoder csv(csv_options);
  format::RecordIOProtobufDecoder protobuf;
  format::DecodedRows first_row;
  io::MemoryChunks stream = chunks();
  format::RecordReader reader(stream, format::record_format_of(settings.format), framer_options);
  // A payload outside its file's bytes was gathered by the reader (it spanned chunks) in a buffer
  // the reader reuses: kept here. Records come file after file, so the file is found once per file.
  std::span<const std::byte> file_bytes;
  const std::string* file_origin = nullptr;
  const auto lent = [&](std::span<const std::byte> payload, const std::string* origin) {
    if (origin != file_origin) {
      for (const SampleFile& file : files_) {
        if (&file.path == origin) file_bytes = std::as_bytes(std::span(file.decompressed));
      }
      file_origin = origin;
    }
    return payload.data() >= file_bytes.data() &&
           payload.data() + payload.size() <= file_bytes.data() + file_bytes.size();
  };
  while (auto record = reader.next()) {
    std::span<const std::byte> payload = record->payload;
    const format::RecordPlace& place = record->place;
    if (!payload.empty() && !lent(payload, place.origin))
      payload = gathered_.emplace_back(payload.begin(), payload.end());
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
  }
  if (settings.format == DataFormat::kCsv) decoded_row_bytes_ = csv_columns_ * sizeof(float);
}

}  // namespace chanload::sizing
