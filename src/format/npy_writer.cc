#include "format/npy_writer.h"

#include <chanload/errors.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace chanload::format {
namespace {

constexpr std::size_t kHeaderBytes = 128;  // magic, version, length and a dict padded to 128

}  // namespace

NpyWriter::NpyWriter(std::string path, std::string dtype, std::size_t element_size)
    : path_(std::move(path)),
      dtype_(std::move(dtype)),
      element_size_(element_size),
      out_(path_, std::ios::binary | std::ios::trunc) {
  if (!out_) throw IoError(path_ + ": cannot create: " + std::strerror(errno), path_);
  const std::string placeholder(kHeaderBytes, ' ');
  out_.write(placeholder.data(), static_cast<std::streamsize>(placeholder.size()));
}

NpyWriter::~NpyWriter() {
  if (!closed_) {
    try {
      close();
    } catch (...) {  // a destructor must not throw; close() explicitly to see the error
    }
  }
}

void NpyWriter::append(std::span<const std::byte> elements, std::size_t rows) {
  // Rows of another width or element type would make a file whose header lies about its data.
  const std::size_t width = columns_.value_or(1);
  if (elements.size() != rows * width * element_size_) {
    throw std::logic_error(path_ + ": " + std::to_string(elements.size()) + " bytes for " +
                           std::to_string(rows) + " rows of " + std::to_string(width) + " x " +
                           std::to_string(element_size_) + "-byte values");
  }
  out_.write(reinterpret_cast<const char*>(elements.data()), static_cast<std::streamsize>(elements.size()));
  rows_ += rows;
  if (!out_) throw IoError(path_ + ": write failed: " + std::strerror(errno), path_);
}

void NpyWriter::close() {
  closed_ = true;
  std::string header = "{'descr': '";
  header.append(dtype_).append("', 'fortran_order': False, 'shape': (").append(std::to_string(rows_));
  if (columns_) {
    header.append(", ").append(std::to_string(*columns_)).append("), }");
  } else {
    header.append(",), }");
  }
  const std::size_t prefix = 10;  // magic (6), version (2), header length (2)
  header.append(kHeaderBytes - prefix - header.size() - 1, ' ');
  header.push_back('\n');
  std::string start = "\x93NUMPY";
  start.push_back('\x01');
  start.push_back('\x00');
  const auto length = static_cast<std::uint16_t>(header.size());
  start.push_back(static_cast<char>(length & 0xFFU));
  start.push_back(static_cast<char>(length >> 8U));
  out_.seekp(0);
  out_.write(start.data(), static_cast<std::streamsize>(start.size()));
  out_.write(header.data(), static_cast<std::streamsize>(header.size()));
  out_.close();
  if (!out_) throw IoError(path_ + ": write failed: " + std::strerror(errno), path_);
}

}  // namespace chanload::format
