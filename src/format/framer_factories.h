// The concrete framers, made through make_framer().
#pragma once

#include <cstddef>
#include <memory>
#include <span>

#include "format/framer.h"

namespace chanload::format {

std::unique_ptr<Framer> make_line_framer();
std::unique_ptr<Framer> make_csv_row_framer(char quote);
std::unique_ptr<Framer> make_recordio_framer(const FramerOptions& options);
std::unique_ptr<Framer> make_tfrecord_framer(const FramerOptions& options);

// The first 12 bytes of a TFRecord stream: a length and the masked CRC32C of it that matches.
inline constexpr std::size_t kTFRecordHeaderBytes = 12;
bool is_tfrecord_header(std::span<const std::byte> prefix);

}  // namespace chanload::format
