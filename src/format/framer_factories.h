// The concrete framers, made through make_framer().
#pragma once

#include <memory>

#include "format/framer.h"

namespace chanload::format {

std::unique_ptr<Framer> make_line_framer();
std::unique_ptr<Framer> make_csv_row_framer(char quote);
std::unique_ptr<Framer> make_recordio_framer(const FramerOptions& options);
std::unique_ptr<Framer> make_tfrecord_framer(const FramerOptions& options);

}  // namespace chanload::format
