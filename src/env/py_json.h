// A JSON parser with the semantics of Python's json.loads, which is what the toolkit applies to the
// config files and to every hyperparameter value: NaN/Infinity/-Infinity accepted, integers of any
// size kept (up to Python's 4300-digit limit), duplicate keys keep the first position and the last
// value, "\ud800" escapes kept as lone surrogates, strict control-character rules.
#pragma once

#include <chanload/value.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace chanload::env {

class JsonSyntaxError : public std::runtime_error {
 public:
  JsonSyntaxError(const std::string& what, std::size_t offset, std::size_t line, std::size_t column)
      : std::runtime_error(what), offset_(offset), line_(line), column_(column) {}
  // Byte offset, 1-based line and 1-based column (in characters, as Python counts them).
  [[nodiscard]] std::size_t offset() const noexcept { return offset_; }
  [[nodiscard]] std::size_t line() const noexcept { return line_; }
  [[nodiscard]] std::size_t column() const noexcept { return column_; }

 private:
  std::size_t offset_;
  std::size_t line_;
  std::size_t column_;
};

// Parses one JSON document. The text must be valid (W)UTF-8: callers reading files check that first.
// Throws JsonSyntaxError; its message reads like Python's ("Expecting ',' delimiter: line 1 column 9").
Value parse_python_json(std::string_view text);

// Deepest nesting accepted; Python raises RecursionError near here.
inline constexpr int kMaxJsonDepth = 900;

}  // namespace chanload::env
