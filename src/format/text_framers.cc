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
  return static_cast<std::uint64_t>(std::count(record.begin(), record.end(), std::byte{'\n'}));
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
    new_piece();
  }
  void new_piece() override {
    piece_end_ = nullptr;
    next_quote_ = nullptr;
  }

  Scan scan(std::span<const std::byte> data) override {
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
      if (newline != nullptr) return {static_cast<std::size_t>(newline - data.data()) + 1, true};
      if (next_quote_ == end) return {data.size(), false};
    }
    while (cursor < end) {
      const std::byte* newline = find_newline(cursor, end);
      const std::byte* segment_end = newline == nullptr ? end : newline;
      const auto quotes = std::count(cursor, segment_end, quote_);
      if ((quotes & 1) != 0) in_quotes_ = !in_quotes_;
      if (newline == nullptr) return {data.size(), false};
      if (!in_quotes_) return {static_cast<std::size_t>(newline - data.data()) + 1, true};
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
  [[nodiscard]] std::uint64_t lines_in(std::span<const std::byte> record) const override {
    return count_newlines(record);
  }

 private:
  std::byte quote_;
  bool in_quotes_ = false;
  const std::byte* piece_end_ = nullptr;   // end of the piece next_quote_ was found in; null: none yet
  const std::byte* next_quote_ = nullptr;  // first quote at or after the scan position, or piece_end_
};

}  // namespace

std::unique_ptr<Framer> make_line_framer() { return std::make_unique<LineFramer>(); }
std::unique_ptr<Framer> make_csv_row_framer(char quote) { return std::make_unique<CsvRowFramer>(quote); }

}  // namespace chanload::format
