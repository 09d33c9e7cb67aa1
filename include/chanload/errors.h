// Exceptions the library throws. Every message says where (file, FIFO, line, byte offset) and what
// was expected; the accessors give the same facts to code that wants them without parsing text.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

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

// Reading a channel failed: a file or FIFO could not be opened or read. origin() names the file or
// FIFO, offset() the byte offset where it happened.
class IoError : public Error {
 public:
  IoError(const std::string& message, std::string origin, std::uint64_t offset = 0)
      : Error(message), origin_(std::move(origin)), offset_(offset) {}
  [[nodiscard]] const std::string& origin() const noexcept { return origin_; }
  [[nodiscard]] std::uint64_t offset() const noexcept { return offset_; }

 private:
  std::string origin_;
  std::uint64_t offset_ = 0;
};

// A wait ran out: a FIFO that never appeared, a writer that never came.
class TimeoutError : public IoError {
 public:
  using IoError::IoError;
};

// The data is not what it must be: corrupt or truncated compressed data, a record cut off.
// offset() is in the stream as stored (the compressed offset for compressed data).
class DataError : public IoError {
 public:
  using IoError::IoError;
};

// The read was stopped (Loader::stop, a signal) before it finished.
class StoppedError : public Error {
 public:
  using Error::Error;
};

}  // namespace chanload
