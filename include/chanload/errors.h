// Exceptions the library throws. Every message says where (file, FIFO, line, byte offset) and what
// was expected; the accessors give the same facts to code that wants them without parsing text.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace chanload {

// Base of every chanload exception.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The job's configuration (the files under input/config, a channel's settings, an option) is
// malformed or contradicts itself. path() names the file when one is at fault; line() and column()
// are 1-based and 0 when they do not apply.
class ConfigError : public Error {
 public:
  explicit ConfigError(const std::string& message) : Error(message) {}
  ConfigError(const std::string& message, std::string path, std::uint64_t line = 0, std::uint64_t column = 0)
      : Error(message), path_(std::move(path)), line_(line), column_(column) {}

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::uint64_t line() const noexcept { return line_; }
  [[nodiscard]] std::uint64_t column() const noexcept { return column_; }

 private:
  std::string path_;
  std::uint64_t line_ = 0;
  std::uint64_t column_ = 0;
};

}  // namespace chanload
