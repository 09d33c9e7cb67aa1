// Streaming NumPy .npy (format 1.0) output: rows are appended as they come and the header, which
// holds the shape, is written last into space reserved at the start.
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <span>
#include <string>

namespace chanload::format {

class NpyWriter {
 public:
  // dtype: a NumPy type string such as "<f4" or "<i8". The array is 1-D until set_columns() gives a
  // row width; a width of 0 is a 2-D array of empty rows, shape (rows, 0) (labels when label_size is 0).
  NpyWriter(std::string path, std::string dtype, std::size_t element_size);
  ~NpyWriter();
  NpyWriter(const NpyWriter&) = delete;
  NpyWriter& operator=(const NpyWriter&) = delete;

  void set_columns(std::size_t columns) { columns_ = columns; }
  void append(std::span<const std::byte> elements, std::size_t rows);
  // Writes the header with the final shape and closes the file. Throws IoError on failure.
  void close();

 private:
  std::string path_;
  std::string dtype_;
  std::size_t element_size_;
  std::optional<std::size_t> columns_;
  std::uint64_t rows_ = 0;
  std::ofstream out_;
  bool closed_ = false;
};

}  // namespace chanload::format
