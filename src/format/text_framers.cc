// Lines and CSV rows. A CSV row ends at a newline outside quotes; a quote toggles the state, so an
// escaped quote ("") toggles it twice and a newline inside quotes is data.
#include <algorithm>
#include <cstring>

#include "format/framer.h"
#include "format/framer_factories.h"
#include "format/framing_error.h"

namespace chanload::format {
namespace {

const std::byte* find_newline(const std::byte* begin, const std::byte* end) {
  return static_cast<const std::byte*>(std::memchr(begin, '\n', static_cast<std::size_t>(end - begin)));
}

std::span<const std::byte> strip_line_end(std::span<const std::byte> record) {
  if (!record.empty() && record.back() == std::byte{'\n'}) record = record.first(record.size() - 1);
  if (!record.empty() && record.back() == std::byte{'\r'}) record = record.first(record.size() - 1);
  return record;
}

std::uint64_t count_newlines(std::span<const std::byte> record) {
  std::uint64_t count = 0;
  const std::byte* end = record.data() + record.size();
  for (const std::byte* p = record.data(); (p = find_newline(p, end)) != nullptr; ++p) ++count;
  return count;
}

class LineFramer final : public Framer {
 public:
  void reset() override {}
  Scan scan(std::span<const std::byte> data) override {
    const std::byte* newline = find_newline(data.data(), data.data() + data.size());
    if (newline == nullptr) return {data.size(), false};
    return {static_cast<std::size_t>(newline - data.data()) + 1, true};
  }
  bool accept_unterminated(std::span<const std::byte> /*partial*/, const RecordPlace& /*place*/) override {
    return true;  // a last line without a newline is still a line
  }
  std::span<const std::byte> finish(std::span<const std::byte> record, const RecordPlace& /*place*/,
                                    std::vector<std::byte>& /*scratch*/) override {
    return strip_line_end(record);
  }
  [[nodiscard]] std::uint64_t lines_in(std::span<const std::byte> record) const override {
    return !record.empty() && record.back() == std::byte{'\n'} ? 1 : 0;
  }
};

class CsvRowFramer final : public Framer {
 public:
  explicit CsvRowFramer(char quote) : quote_(static_cast<std::byte>(quote)) {}

  void reset() override {
    in_quotes_ = false;
    record_quoted_ = false;
    record_done_ = false;
    new_piece();
  }
  void new_piece() override {
    piece_end_ = nullptr;
    next_quote_ = nullptr;
  }

  Scan scan(std::span<const std::byte> data) override {
    if (record_done_) {  // a new record starts here
      record_quoted_ = false;
      record_done_ = false;
    }
    const std::byte* cursor = data.data();
    const std::byte* end = data.data() + data.size();
    // Quote-free stretches (most CSV) are cut at memchr speed: the next quote of this piece is found
    // once and remembered while scan() is shown successive tails of the same piece.
    if (piece_end_ == nullptr || cursor > next_quote_) {
      piece_end_ = end;
      const void* quote = std::memchr(cursor, static_cast<int>(quote_), data.size());
      next_quote_ = quote == nullptr ? end : static_cast<const std::byte*>(quote);
    }
    if (!in_quotes_) {
      const std::byte* newline = find_newline(cursor, next_quote_);
      if (newline != nullptr) return complete(newline - data.data() + 1);
      if (next_quote_ == end) return {data.size(), false};
    }
    while (cursor < end) {
      const std::byte* newline = find_newline(cursor, end);
      const std::byte* segment_end = newline == nullptr ? end : newline;
      const auto quotes = std::count(cursor, segment_end, quote_);
      if (quotes != 0) record_quoted_ = true;
      if ((quotes & 1) != 0) in_quotes_ = !in_quotes_;
      if (newline == nullptr) return {data.size(), false};
      if (!in_quotes_) return complete(newline - data.data() + 1);
      cursor = newline + 1;  // the newline is inside a quoted field: data
    }
    return {data.size(), false};
  }

  bool accept_unterminated(std::span<const std::byte> partial, const RecordPlace& /*place*/) override {
    if (in_quotes_) {
      throw FramingError("the stream ends inside a quoted field (a quote opened in this row is never closed)",
                         partial.size());
    }
    return true;
  }
  std::span<const std::byte> finish(std::span<const std::byte> record, const RecordPlace& /*place*/,
                                    std::vector<std::byte>& /*scratch*/) override {
    return strip_line_end(record);
  }
  // Called for the record scan() last completed (or the unterminated one it was scanning): a row
  // with no quote has one newline at most, its last byte, so only quoted rows are counted.
  [[nodiscard]] std::uint64_t lines_in(std::span<const std::byte> record) const override {
    if (!record_quoted_) return !record.empty() && record.back() == std::byte{'\n'} ? 1 : 0;
    return count_newlines(record);
  }

 private:
  Scan complete(std::ptrdiff_t take) {
    record_done_ = true;
    return {static_cast<std::size_t>(take), true};
  }

  std::byte quote_;
  bool in_quotes_ = false;
  bool record_quoted_ = false;             // a quote was seen in the record being scanned (or last completed)
  bool record_done_ = false;               // the last scan() completed a record: the next one starts another
  const std::byte* piece_end_ = nullptr;   // end of the piece next_quote_ was found in; null: none yet
  const std::byte* next_quote_ = nullptr;  // first quote at or after the scan position, or piece_end_
};

}  // namespace

std::unique_ptr<Framer> make_line_framer() { return std::make_unique<LineFramer>(); }
std::unique_ptr<Framer> make_csv_row_framer(char quote) { return std::make_unique<CsvRowFramer>(quote); }

}  // namespace chanload::format
