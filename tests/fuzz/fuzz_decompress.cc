// gzip and zstd streams from arbitrary bytes, handed over in pieces the input chooses.
#include <chanload/errors.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "format/framer_factories.h"
#include "io/decompress.h"

namespace {

class BytesSource final : public chanload::io::ByteSource {
 public:
  BytesSource(const std::uint8_t* data, std::size_t size, std::size_t piece)
      : data_(data), size_(size), piece_(piece) {}
  std::span<const std::byte> next() override {
    const std::size_t n = std::min(piece_, size_ - pos_);
    std::span<const std::byte> out(reinterpret_cast<const std::byte*>(data_ + pos_), n);
    pos_ += n;
    return out;
  }
  [[nodiscard]] const std::string& origin() const override { return name_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t piece_;
  std::size_t pos_ = 0;
  std::string name_ = "fuzz";
};

bool tfrecord_header(std::span<const std::byte> prefix) {
  return chanload::format::is_tfrecord_header(prefix);
}

}  // namespace

// data[0]: the piece size (low 7 bits) and whether a TFRecord header may mark the stream plain (bit 7).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  chanload::io::PlainSignature plain;
  if ((data[0] & 0x80U) != 0) plain = {chanload::format::kTFRecordHeaderBytes, &tfrecord_header};
  try {
    auto source = chanload::io::decompressing(
        std::make_unique<BytesSource>(data + 1, size - 1, 1 + (data[0] & 0x7FU) % 97),
        chanload::io::CompressionMode::kAuto, 4096, nullptr, plain);
    std::size_t total = 0;
    while (true) {
      const auto piece = source->next();
      if (piece.empty()) break;
      total += piece.size();
      if (total > (std::size_t{64} << 20)) break;  // a decompression bomb: stop, this is not a leak
    }
  } catch (const chanload::DataError&) {
  }
  return 0;
}
