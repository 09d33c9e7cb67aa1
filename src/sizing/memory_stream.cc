#include "sizing/memory_stream.h"

#include <algorithm>
#include <span>

#include "io/decompress.h"

namespace chanload::sizing {
namespace {

class MemorySource final : public io::ByteSource {
 public:
  MemorySource(std::string_view bytes, std::string origin, std::size_t piece_bytes)
      : bytes_(bytes), origin_(std::move(origin)), piece_bytes_(piece_bytes) {}
  std::span<const std::byte> next() override {
    const std::size_t size = std::min(piece_bytes_, bytes_.size() - position_);
    const auto piece = std::as_bytes(std::span(bytes_.data() + position_, size));
    position_ += size;
    return piece;
  }
  [[nodiscard]] const std::string& origin() const override { return origin_; }

 private:
  std::string_view bytes_;
  std::string origin_;
  std::size_t piece_bytes_;
  std::size_t position_ = 0;
};

}  // namespace

std::unique_ptr<io::ByteSource> memory_source(std::string_view bytes, std::string origin,
                                              std::size_t piece_bytes) {
  return std::make_unique<MemorySource>(bytes, std::move(origin), std::max<std::size_t>(piece_bytes, 1));
}

std::uint64_t decompress_all(std::string_view stored, const std::string& origin, std::string* out,
                             std::shared_ptr<io::ReaderCache> cache) {
  const auto source = io::decompressing(memory_source(stored, origin), io::CompressionMode::kAuto,
                                        std::size_t{1} << 20, std::move(cache));
  std::uint64_t size = 0;
  while (true) {
    const auto piece = source->next();
    if (piece.empty()) return size;
    size += piece.size();
    if (out != nullptr) out->append(reinterpret_cast<const char*>(piece.data()), piece.size());
  }
}

}  // namespace chanload::sizing
