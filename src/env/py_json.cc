#include "env/py_json.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "env/python_text.h"

namespace chanload::env {
namespace {

// Python refuses int() of more digits than this (sys.get_int_max_str_digits(), default 4300).
constexpr std::size_t kMaxIntDigits = 4300;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Value parse_document() {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") {
      fail("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
    }
    skip_whitespace();
    Value value = parse_value(0);
    skip_whitespace();
    if (pos_ != text_.size()) fail("Extra data", pos_);
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& what, std::size_t offset) const {
    std::size_t line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    const std::size_t column = code_point_count(text_.substr(line_start, offset - line_start)) + 1;
    throw JsonSyntaxError(what + ": line " + std::to_string(line) + " column " + std::to_string(column) +
                              " (char " + std::to_string(code_point_count(text_.substr(0, offset))) + ")",
                          offset, line, column);
  }

  void skip_whitespace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool consume_literal(std::string_view literal) {
    if (text_.substr(pos_, literal.size()) == literal) {
      pos_ += literal.size();
      return true;
    }
    return false;
  }

  Value parse_value(int depth) {
    if (depth > kMaxJsonDepth) fail("Nesting deeper than " + std::to_string(kMaxJsonDepth), pos_);
    if (pos_ >= text_.size()) fail("Expecting value", pos_);
    const char c = text_[pos_];
    switch (c) {
      case '"':
        return Value::string(parse_string());
      case '{':
        return parse_object(depth);
      case '[':
        return parse_array(depth);
      case 'n':
        if (consume_literal("null")) return Value();
        break;
      case 't':
        if (consume_literal("true")) return Value::boolean(true);
        break;
      case 'f':
        if (consume_literal("false")) return Value::boolean(false);
        break;
      case 'N':
        if (consume_literal("NaN")) return Value::floating(std::numeric_limits<double>::quiet_NaN());
        break;
      case 'I':
        if (consume_literal("Infinity")) {
          return Value::floating(std::numeric_limits<double>::infinity());
        }
        break;
      case '-':
        if (consume_literal("-Infinity")) {
          return Value::floating(-std::numeric_limits<double>::infinity());
        }
        return parse_number();
      default:
        if (c >= '0' && c <= '9') return parse_number();
        break;
    }
    fail("Expecting value", pos_);
  }

  Value parse_number() {
    const std::size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    const std::size_t int_start = pos_;
    if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9') fail("Expecting value", start);
    if (text_[pos_] == '0') {
      ++pos_;
    } else {
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    }
    const std::size_t int_end = pos_;
    bool is_float = false;
    // A fraction or exponent counts only when digits follow, as in Python's NUMBER_RE.
    if (pos_ + 1 < text_.size() && text_[pos_] == '.' && text_[pos_ + 1] >= '0' && text_[pos_ + 1] <= '9') {
      pos_ += 2;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      is_float = true;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      std::size_t p = pos_ + 1;
      if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
      if (p < text_.size() && text_[p] >= '0' && text_[p] <= '9') {
        while (p < text_.size() && text_[p] >= '0' && text_[p] <= '9') ++p;
        pos_ = p;
        is_float = true;
      }
    }
    const std::string_view number = text_.substr(start, pos_ - start);
    if (!is_float) {
      if (int_end - int_start > kMaxIntDigits) {
        fail("Exceeds the limit (4300 digits) for integer string conversion", start);
      }
      return Value::integer_text(number);
    }
    double value = 0.0;
    auto result = std::from_chars(number.data(), number.data() + number.size(), value);
    if (result.ec == std::errc::result_out_of_range) {
      // Python's float() rounds overflow to infinity and underflow to zero; strtod does the same.
      const std::string copy(number);
      value = std::strtod(copy.c_str(), nullptr);
    }
    return Value::floating(value);
  }

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Reads 4 hex digits at pos; returns -1 if they are not all hex.
  long read_hex4(std::size_t pos) const {
    if (pos + 4 > text_.size()) return -1;
    long value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      const int h = hex_value(text_[pos + i]);
      if (h < 0) return -1;
      value = value * 16 + h;
    }
    return value;
  }

  std::string parse_string() {
    const std::size_t start = pos_;  // at the opening quote
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) fail("Unterminated string starting at", start);
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) fail("Invalid control character at", pos_);
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      const std::size_t escape_at = pos_;
      ++pos_;
      if (pos_ >= text_.size()) fail("Unterminated string starting at", start);
      const char e = text_[pos_];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out.push_back(e);
          ++pos_;
          continue;
        case 'b':
          out.push_back('\b');
          ++pos_;
          continue;
        case 'f':
          out.push_back('\f');
          ++pos_;
          continue;
        case 'n':
          out.push_back('\n');
          ++pos_;
          continue;
        case 'r':
          out.push_back('\r');
          ++pos_;
          continue;
        case 't':
          out.push_back('\t');
          ++pos_;
          continue;
        case 'u': {
          long cp = read_hex4(pos_ + 1);
          if (cp < 0) fail("Invalid \\uXXXX escape", escape_at + 1);  // Python points past the backslash
          pos_ += 5;
          if (cp >= 0xD800 && cp <= 0xDBFF && text_.substr(pos_, 2) == "\\u") {
            const long low = read_hex4(pos_ + 2);
            if (low < 0) fail("Invalid \\uXXXX escape", pos_ + 1);
            if (low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
              pos_ += 6;
            }
          }
          append_utf8(out, static_cast<std::uint32_t>(cp));
          continue;
        }
        default:
          fail("Invalid \\escape", escape_at);
      }
    }
  }

  Value parse_object(int depth) {
    ++pos_;  // '{'
    Value object = Value::dict();
    skip_whitespace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return object;
    }
    while (true) {
      if (pos_ >= text_.size() || text_[pos_] != '"') {
        fail("Expecting property name enclosed in double quotes", pos_);
      }
      std::string key = parse_string();
      skip_whitespace();
      if (pos_ >= text_.size() || text_[pos_] != ':') fail("Expecting ':' delimiter", pos_);
      ++pos_;
      skip_whitespace();
      Value value = parse_value(depth + 1);
      object.set(std::move(key), std::move(value));
      skip_whitespace();
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return object;
      }
      if (pos_ >= text_.size() || text_[pos_] != ',') fail("Expecting ',' delimiter", pos_);
      ++pos_;
      skip_whitespace();
    }
  }

  Value parse_array(int depth) {
    ++pos_;  // '['
    Value array = Value::list();
    skip_whitespace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return array;
    }
    while (true) {
      array.as_list().push_back(parse_value(depth + 1));
      skip_whitespace();
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return array;
      }
      if (pos_ >= text_.size() || text_[pos_] != ',') fail("Expecting ',' delimiter", pos_);
      ++pos_;
      skip_whitespace();
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Value parse_python_json(std::string_view text) { return Parser(text).parse_document(); }

}  // namespace chanload::env
