#include "io/gzip_writer.h"

#include <isa-l/igzip_lib.h>

#include <stdexcept>
#include <vector>

namespace chanload::io {

struct GzipWriter::State {
  std::function<void(std::span<const std::byte>)> sink;
  isal_zstream stream{};
  std::vector<std::uint8_t> level_buffer = std::vector<std::uint8_t>(ISAL_DEF_LVL1_DEFAULT);
  std::vector<std::byte> output = std::vector<std::byte>(std::size_t{1} << 18);
  bool member_open = false;

  void start() {
    isal_deflate_init(&stream);
    stream.gzip_flag = IGZIP_GZIP;
    stream.level = 1;
    stream.level_buf = level_buffer.data();
    stream.level_buf_size = static_cast<std::uint32_t>(level_buffer.size());
    member_open = true;
  }

  void run(std::span<const std::byte> data, bool end) {
    if (!member_open) start();
    stream.next_in = const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(data.data()));
    stream.avail_in = static_cast<std::uint32_t>(data.size());
    stream.end_of_stream = end ? 1 : 0;
    do {
      stream.next_out = reinterpret_cast<std::uint8_t*>(output.data());
      stream.avail_out = static_cast<std::uint32_t>(output.size());
      if (isal_deflate(&stream) != COMP_OK) throw std::runtime_error("igzip deflate failed");
      const std::size_t produced = output.size() - stream.avail_out;
      if (produced > 0) sink({output.data(), produced});
    } while (stream.avail_in > 0 || stream.avail_out == 0 ||
             (end && stream.internal_state.state != ZSTATE_END));
    if (end) member_open = false;
  }
};

GzipWriter::GzipWriter(std::function<void(std::span<const std::byte>)> sink)
    : state_(std::make_unique<State>()) {
  state_->sink = std::move(sink);
}
GzipWriter::~GzipWriter() = default;

void GzipWriter::write(std::span<const std::byte> data) {
  constexpr std::size_t kMaxPiece = std::size_t{1} << 30;  // ISA-L lengths are 32-bit
  while (!data.empty()) {
    const auto piece = data.first(std::min(data.size(), kMaxPiece));
    state_->run(piece, false);
    data = data.subspan(piece.size());
  }
}

void GzipWriter::finish_member() { state_->run({}, true); }

}  // namespace chanload::io
