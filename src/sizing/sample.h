// The data a benchmark measures, held in memory at each step of the way: the stored bytes of each
// file, their decompressed bytes, and the records framed out of them (with their places, for
// messages). Stages measured in memory run on it; the stages that read run on the same files.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

#include "format/data_format.h"
#include "format/framer.h"
#include "format/framing_error.h"

namespace chanload::sizing {

struct SampleFile {
  std::string path;
  std::string stored;        // as read from disk
  std::string decompressed;  // the format's bytes
};

struct SampleRecord {
  std::span<const std::byte> payload;
  format::RecordPlace place;
};

// What the decode stage needs to know of the data, as the loader would resolve it.
struct DecodeSettings {
  format::DataFormat format = format::DataFormat::kCsv;
  std::size_t label_size = 0;  // CSV
  char delimiter = ',';        // CSV
  bool header = false;         // CSV
};

class Sample {
 public:
  // Reads every file whole, decompresses it (gzip and zstd detected from the bytes) and frames its
  // records. A DataError names the file and offset of what cannot be framed.
  Sample(const std::vector<std::string>& files, const DecodeSettings& settings,
         const format::FramerOptions& framer_options);
  Sample(const Sample&) = delete;
  Sample& operator=(const Sample&) = delete;

  [[nodiscard]] const std::vector<SampleFile>& files() const { return files_; }
  [[nodiscard]] const std::vector<SampleRecord>& records() const { return records_; }
  [[nodiscard]] const DecodeSettings& settings() const { return settings_; }
  [[nodiscard]] std::uint64_t stored_bytes() const { return stored_bytes_; }
  [[nodiscard]] std::uint64_t bytes() const { return bytes_; }
  // Records that hold data (CSV: not blank, not a header): what a loader delivers.
  [[nodiscard]] std::uint64_t data_records() const { return data_records_; }
  // CSV: fields per row, from the first data row (0 for other formats).
  [[nodiscard]] std::size_t csv_columns() const { return csv_columns_; }
  // The decoded size of one row: float32 features and labels (dense), or the payload (raw formats).
  [[nodiscard]] std::size_t decoded_row_bytes() const { return decoded_row_bytes_; }

  // Frames one file's decompressed bytes, handing each record to emit. Used to build the sample and
  // by the frame stage.
  template <typename Emit>
  static void frame(const SampleFile& file, format::Framer& framer, std::vector<std::byte>& scratch,
                    Emit&& emit);

 private:
  template <typename Emit>
  static void frame_records(std::span<const std::byte> data, const std::string& origin,
                            format::Framer& framer, std::vector<std::byte>& scratch, std::size_t& start,
                            std::uint64_t& line, Emit& emit);
  // A DataError naming the file, the record's offset and line.
  [[noreturn]] static void throw_framing_error(const std::string& origin, std::size_t offset,
                                               std::uint64_t line, const format::FramingError& error);

  std::vector<SampleFile> files_;
  std::vector<SampleRecord> records_;
  std::deque<std::vector<std::byte>> gathered_;  // payloads the framer assembled (split RecordIO records)
  DecodeSettings settings_;
  std::uint64_t stored_bytes_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t data_records_ = 0;
  std::size_t csv_columns_ = 0;
  std::size_t decoded_row_bytes_ = 0;
};

template <typename Emit>
void Sample::frame(const SampleFile& file, format::Framer& framer, std::vector<std::byte>& scratch,
                   Emit&& emit) {
  const auto data = std::as_bytes(std::span(file.decompressed));
  std::size_t start = 0;
  std::uint64_t line = 1;
  try {
    frame_records(data, file.path, framer, scratch, start, line, emit);
  } catch (const format::FramingError& e) {
    throw_framing_error(file.path, start, line, e);
  }
}

template <typename Emit>
void Sample::frame_records(std::span<const std::byte> data, const std::string& origin, format::Framer& framer,
                           std::vector<std::byte>& scratch, std::size_t& start, std::uint64_t& line,
                           Emit& emit) {
  framer.reset();
  framer.new_piece();
  std::size_t position = 0;
  while (position < data.size()) {
    const format::Scan scan = framer.scan(data.subspan(position));
    position += scan.take;
    if (!scan.complete) continue;
    const auto record = data.subspan(start, position - start);
    const format::RecordPlace place{&origin, start, line};
    emit(framer.finish(record, place, scratch), place);
    line += framer.lines_in(record);
    start = position;
  }
  if (start < data.size()) {
    const auto partial = data.subspan(start);
    const format::RecordPlace place{&origin, start, line};
    if (framer.accept_unterminated(partial, place)) emit(framer.finish(partial, place, scratch), place);
  }
}

}  // namespace chanload::sizing
