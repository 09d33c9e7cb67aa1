// The data a benchmark measures, held in memory at each step of the way: the stored bytes of each
// file, their decompressed bytes, and the records framed out of them (with their places, for
// messages). Stages measured in memory run on it; the stages that read run on the same files. It is
// framed by the loader's own RecordReader.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

#include "format/data_format.h"
#include "format/framer.h"
#include "io/memory_chunks.h"

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

  // The files' decompressed bytes as the loader's reader hands them to its RecordReader: 1 MiB
  // chunks, each file ending with its marker. The frame stage and the sample itself frame through it.
  [[nodiscard]] io::MemoryChunks chunks() const;

 private:
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

}  // namespace chanload::sizing
