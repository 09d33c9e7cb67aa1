#include "format/csv_decoder.h"

#include <chanload/errors.h>

#include "format/float_parse.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace chanload::format {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Fields in [p, end) after the one starting at p, for the "found N" of a message: delimiters inside
// quotes are data. whitespace_runs: fields are separated by runs of spaces and tabs instead.
std::size_t count_more_fields(const char* p, const char* end, char delimiter, char quote,
                              bool whitespace_runs) {
  std::size_t fields = 0;
  bool in_quotes = false;
  bool after_gap = false;
  for (; p < end; ++p) {
    const bool gap = !in_quotes && (*p == ' ' || *p == '\t');
    if (whitespace_runs ? (after_gap && !gap) : (*p == delimiter && !in_quotes)) ++fields;
    if (*p == quote) in_quotes = !in_quotes;
    after_gap = gap;
  }
  return fields;
}

// A field as a message shows it: at most 40 bytes, quoted, with control bytes, bytes above 0x7e, the
// backslash and the quote escaped (\xNN), so a NUL cannot cut the message and an ANSI escape cannot
// reach the terminal.
std::string printable(const char* first, const char* last) {
  const auto shown = static_cast<std::size_t>(std::min<std::ptrdiff_t>(last - first, 40));
  std::string text = "\"";
  for (std::size_t i = 0; i < shown; ++i) {
    const auto byte = static_cast<unsigned char>(first[i]);
    if (byte < 0x20 || byte > 0x7e || byte == '\\' || byte == '"') {
      static constexpr char kHex[] = "0123456789abcdef";
      text += "\\x";
      text.push_back(kHex[byte >> 4]);
      text.push_back(kHex[byte & 0xF]);
    } else {
      text.push_back(static_cast<char>(byte));
    }
  }
  if (last - first > 40) text += "...";
  return text + "\"";
}

}  // namespace

CsvDecoder::CsvDecoder(CsvDecodeOptions options) : options_(options) {}

template <typename T, typename Store>
std::string CsvDecoder::parse(std::span<const std::byte> row, std::size_t expected, Store&& store) {
  // The padding characters are constants of the loop (a delimiter that is one of them is not
  // padding), so the common case compiles as it did before tab and space delimiters worked.
  // A space delimiter means whitespace-separated values, as numpy.loadtxt reads them by default:
  // runs of spaces and tabs separate fields and the row's leading and trailing ones are ignored
  // (aligned columns, "%10.5f"). A tab delimiter separates exactly (two tabs: an empty field).
  switch (options_.delimiter) {
    case ' ':
      return parse_fields<' ', '\t', true, T>(row, expected, store);
    case '\t':
      return parse_fields<' ', ' ', false, T>(row, expected, store);
    default:
      return parse_fields<' ', '\t', false, T>(row, expected, store);
  }
}

template <char kPadA, char kPadB, bool kWhitespaceRuns, typename T, typename Store>
std::string CsvDecoder::parse_fields(std::span<const std::byte> row, std::size_t expected, Store& store) {
  const char* p = reinterpret_cast<const char*>(row.data());
  const char* end = p + row.size();
  const char delimiter = options_.delimiter;
  const auto is_space = [](char c) {
    if constexpr (kPadA == kPadB) {
      return c == kPadA;
    } else {
      return c == kPadA || c == kPadB;
    }
  };
  std::size_t field = 0;
  while (true) {
    // A field past the expected count: the row's width is what is wrong, whatever the field holds.
    if (expected != 0 && field >= expected) {
      const std::size_t found =
          field + 1 + count_more_fields(p, end, delimiter, options_.quote, kWhitespaceRuns);
      return "expected " + std::to_string(expected) + " fields, found " + std::to_string(found);
    }
    // One field: [spaces] (number | "quoted number" | nothing) [spaces], then a delimiter or the end.
    while (p < end && is_space(*p)) ++p;
    T value = 0;
    const char* field_start = p;
    if (p < end && *p == options_.quote) {
      const char* close =
          static_cast<const char*>(std::memchr(p + 1, options_.quote, static_cast<std::size_t>(end - p - 1)));
      if (close == nullptr) return "field " + std::to_string(field + 1) + ": unclosed quote";
      const char* q = p + 1;
      while (q < close && is_space(*q)) ++q;
      if (q == close) {  // "" (or quoted spaces) is an empty field, as the unquoted kind is
        if (!options_.empty_is_nan) return "field " + std::to_string(field + 1) + " is empty";
        value = std::numeric_limits<T>::quiet_NaN();
      } else {
        const char* number_end = parse_float(q, close, value);
        while (number_end < close && is_space(*number_end)) ++number_end;
        if (number_end != close) {
          return "field " + std::to_string(field + 1) + ": " + printable(p, close + 1) + " is not a number";
        }
      }
      p = close + 1;
    } else if (p == end || *p == delimiter) {
      if (!options_.empty_is_nan) return "field " + std::to_string(field + 1) + " is empty";
      value = std::numeric_limits<T>::quiet_NaN();
    } else {
      const char* number_end = parse_float(p, end, value);
      if (number_end == p) {
        const char* stop =
            static_cast<const char*>(std::memchr(p, delimiter, static_cast<std::size_t>(end - p)));
        return "field " + std::to_string(field + 1) + ": " + printable(p, stop == nullptr ? end : stop) +
               " is not a number";
      }
      p = number_end;
    }
    const char* field_end = p;
    while (p < end && is_space(*p)) ++p;
    // Past the number and its padding: the row's end, the delimiter, or (whitespace-separated) a gap.
    const bool separated = kWhitespaceRuns ? p != field_end : (p < end && *p == delimiter);
    if (p < end && !separated) {  // "1.5x"
      const char* stop =
          static_cast<const char*>(std::memchr(p, delimiter, static_cast<std::size_t>(end - p)));
      return "field " + std::to_string(field + 1) + ": " +
             printable(field_start, stop == nullptr ? end : stop) + " is not a number";
    }
    store(field, value);
    ++field;
    if (p == end) break;
    if constexpr (!kWhitespaceRuns) ++p;  // the delimiter (a gap was consumed as padding)
  }
  if (expected != 0 && field != expected) {
    return "expected " + std::to_string(expected) + " fields, found " + std::to_string(field);
  }
  return {};
}

CsvDecoder::Outcome CsvDecoder::reject(const RecordPlace& place, const std::string& why) {
  const std::string origin = place.origin != nullptr ? *place.origin : std::string("?");
  // A byte-range shard starts mid-file, where line numbers are unknown: the byte offset says where.
  const std::string message =
      origin +
      (place.line != 0 ? " line " + std::to_string(place.line) : " byte " + std::to_string(place.offset)) +
      ": " + why;
  if (options_.bad_records == BadRecordPolicy::kError) throw DataError(message, origin, place.offset);
  ++bad_records_;
  last_rejection_ = message;
  return Outcome::kBad;
}

namespace {
std::span<const std::byte> without_bom(std::span<const std::byte> row, const RecordPlace& place) {
  if (place.offset == 0 && row.size() >= 3 && std::memcmp(row.data(), "\xEF\xBB\xBF", 3) == 0)
    return row.subspan(3);
  return row;
}
}  // namespace

bool CsvDecoder::is_data_row(std::span<const std::byte> row, const RecordPlace& place) const {
  if (place.offset == 0 && options_.header) return false;
  for (std::byte b : without_bom(row, place)) {
    if (!is_blank(static_cast<char>(b))) return true;  // whatever the delimiter: spaces alone are blank
  }
  return false;
}

template <typename T>
CsvDecoder::Outcome CsvDecoder::decode_into(std::span<const std::byte> row, const RecordPlace& place,
                                            T* labels, T* features) {
  row = without_bom(row, place);
  const std::size_t label_size = options_.label_size;
  const std::string why = parse<T>(row, columns_, [&](std::size_t field, T value) {
    (field < label_size ? labels[field] : features[field - label_size]) = value;
  });
  if (!why.empty()) return reject(place, why);
  return Outcome::kDecoded;
}

template <typename T>
CsvDecoder::Outcome CsvDecoder::decode(std::span<const std::byte> row, const RecordPlace& place,
                                       BasicDecodedRows<T>& out) {
  if (!is_data_row(row, place)) return Outcome::kSkipped;
  row = without_bom(row, place);

  if (columns_ == 0) {
    first_row_.clear();
    const std::string why =
        parse<T>(row, 0, [&](std::size_t, T value) { first_row_.push_back(static_cast<double>(value)); });
    if (!why.empty()) return reject(place, why);
    if (first_row_.size() < options_.label_size) {
      return reject(place, "expected at least " + std::to_string(options_.label_size) +
                               " fields (label_size), found " + std::to_string(first_row_.size()));
    }
    columns_ = first_row_.size();
    out.label_size = options_.label_size;
    out.columns = columns_ - options_.label_size;
    const auto split = first_row_.begin() + static_cast<std::ptrdiff_t>(options_.label_size);
    out.labels.insert(out.labels.end(), first_row_.begin(), split);
    out.features.insert(out.features.end(), split, first_row_.end());
    ++out.rows;
    return Outcome::kDecoded;
  }
  // Values go straight to the row's place in the output; a bad row is taken back off.
  const std::size_t label_size = options_.label_size;
  const std::size_t labels_at = out.labels.size();
  const std::size_t features_at = out.features.size();
  out.labels.resize(labels_at + label_size);
  out.features.resize(features_at + columns_ - label_size);
  T* labels = out.labels.data() + labels_at;
  T* features = out.features.data() + features_at;
  const std::string why = parse<T>(row, columns_, [&](std::size_t field, T value) {
    (field < label_size ? labels[field] : features[field - label_size]) = value;
  });
  if (!why.empty()) {
    out.labels.resize(labels_at);
    out.features.resize(features_at);
    return reject(place, why);
  }
  ++out.rows;
  return Outcome::kDecoded;
}

template CsvDecoder::Outcome CsvDecoder::decode(std::span<const std::byte>, const RecordPlace&, DecodedRows&);
template CsvDecoder::Outcome CsvDecoder::decode(std::span<const std::byte>, const RecordPlace&,
                                                DecodedRowsF64&);
template CsvDecoder::Outcome CsvDecoder::decode_into(std::span<const std::byte>, const RecordPlace&, float*,
                                                     float*);
template CsvDecoder::Outcome CsvDecoder::decode_into(std::span<const std::byte>, const RecordPlace&, double*,
                                                     double*);

}  // namespace chanload::format
