// CSV rows to float32 or float64, as SageMaker's built-in algorithms read them: label columns
// first (label_size of them), features after, no header unless asked. Values are exactly
// std::from_chars of each field to the output type (correctly rounded).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "format/decoded_rows.h"
#include "format/framer.h"

namespace chanload::format {

// What the decoder does with a bad row. Warning about skipped rows is the loader's (its one
// pipeline::BadRecordLog caps the warnings of all its decoders together).
enum class BadRecordPolicy {
  kError,  // the first bad record is a DataError
  kSkip,   // bad records are kBad, counted, and last_rejection() says what was wrong
};

struct CsvDecodeOptions {
  std::size_t label_size = 0;
  char delimiter = ',';
  char quote = '"';
  bool header = false;       // the first row of each file (or FIFO) is a header: skipped
  bool empty_is_nan = true;  // an empty field is NaN; false: a bad record
  BadRecordPolicy bad_records = BadRecordPolicy::kError;
};

class CsvDecoder {
 public:
  explicit CsvDecoder(CsvDecodeOptions options);

  enum class Outcome { kDecoded, kSkipped, kBad };
  // Decodes one row (a CSV record's payload) and appends it to out. Blank rows and headers are
  // kSkipped; a bad row is a DataError naming the file and line (kError) or kBad (kSkip). The
  // first data row fixes the column count; later rows must have as many fields. T is float or double.
  template <typename T>
  Outcome decode(std::span<const std::byte> row, const RecordPlace& place, BasicDecodedRows<T>& out);

  // Whether a row is data: not the header (the first row of a file or FIFO, when options say there
  // is one) and not blank. decode() skips the others; the loader filters them before sharding so
  // that shards count data rows only.
  [[nodiscard]] bool is_data_row(std::span<const std::byte> row, const RecordPlace& place) const;

  // Fixes the field count before any row is seen (the loader's workers all use the count the
  // channel's first data row gave), so every row is checked against it.
  void expect_columns(std::size_t columns) { columns_ = columns; }
  // Decodes one data row of the expected width straight into its place in a batch: labels
  // (label_size values) and features (columns - label_size values). Needs expect_columns() or an
  // earlier row. A bad row is a DataError (kError) or kBad, with the destination left partly written.
  // T is float or double: the parse is compiled for each, so neither pays for the other.
  template <typename T>
  Outcome decode_into(std::span<const std::byte> row, const RecordPlace& place, T* labels, T* features);

  [[nodiscard]] std::size_t column_count() const { return columns_; }  // 0 until the first row
  [[nodiscard]] std::uint64_t bad_records() const { return bad_records_; }
  // The message a DataError would have had for the last kBad row: the file, the line (or byte
  // offset) and what was wrong.
  [[nodiscard]] const std::string& last_rejection() const { return last_rejection_; }

 private:
  // Parses the fields of row as T, handing each to store(index, value); expected is the field count
  // (0: any, for the first row). Returns an empty string, or what is wrong.
  template <typename T, typename Store>
  std::string parse(std::span<const std::byte> row, std::size_t expected, Store&& store);
  // parse() for one pair of padding characters (spaces and tabs, less a tab delimiter), and with
  // fields separated by the delimiter or (a space delimiter) by runs of whitespace.
  template <char kPadA, char kPadB, bool kWhitespaceRuns, typename T, typename Store>
  std::string parse_fields(std::span<const std::byte> row, std::size_t expected, Store& store);
  Outcome reject(const RecordPlace& place, const std::string& why);

  CsvDecodeOptions options_;
  std::size_t columns_ = 0;
  std::vector<double> first_row_;  // holds float32 values exactly too
  std::uint64_t bad_records_ = 0;
  std::string last_rejection_;
};

}  // namespace chanload::format
