#include "io/decompress.h"

#include <chanload/errors.h>
#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace chanload::io {
namespace {

constexpr std::byte kGzipMagic[] = {std::byte{0x1f}, std::byte{0x8b}};
constexpr std::byte kZstdMagic[] = {std::byte{0x28}, std::byte{0xb5}, std::byte{0x2f}, std::byte{0xfd}};
constexpr int kZstdWindowLogMax = 27;
// Input handed to zstd per call, and zstd's largest block (with its 3-byte header): an error's
// offset is known to within a block before the end of the slice that revealed it.
constexpr std::size_t kZstdSliceBytes = std::size_t{512} << 10;
constexpr std::uint64_t kZstdBlockBytes =
    (std::uint64_t{128} << 10) + 3;  // 128 MiB, zstd's own default limit, stated explicitly

bool starts_with(std::span<const std::byte> bytes, std::span<const std::byte> magic) {
  return bytes.size() >= magic.size() && std::equal(magic.begin(), magic.end(), bytes.begin());
}

// A zstd stream may begin with a skippable frame (magic 0x184D2A50..0x184D2A5F, little-endian):
// pzstd writes one before every frame to record the sizes.
bool starts_with_zstd(std::span<const std::byte> bytes) {
  if (starts_with(bytes, kZstdMagic)) return true;
  return bytes.size() >= 4 && (std::to_integer<unsigned>(bytes[0]) & 0xF0U) == 0x50U &&
         bytes[1] == std::byte{0x2a} && bytes[2] == std::byte{0x4d} && bytes[3] == std::byte{0x18};
}

// The first bytes of a stream, read to see its magic: inner's first piece as lent (no copy) when it
// holds the magic's 4 bytes, else (a FIFO may hand out a byte at a time) the pieces gathered.
struct Prefix {
  std::span<const std::byte> lent;
  std::vector<std::byte> gathered;
  [[nodiscard]] std::span<const std::byte> bytes() const {
    return gathered.empty() ? lent : std::span<const std::byte>(gathered);
  }
};

// Input side shared by the decoders: pulls pieces from inner and counts the compressed offset.
class CompressedInput {
 public:
  CompressedInput(std::unique_ptr<ByteSource> inner, Prefix prefix)
      : inner_(std::move(inner)), prefix_(std::move(prefix)) {}

  // The unread rest of the current piece, fetching a new one when it is used up; empty at the end.
  std::span<const std::byte> available() {
    while (pending_.empty() && !ended_) {
      if (!prefix_used_) {
        prefix_used_ = true;
        pending_ = prefix_.bytes();
      } else {
        pending_ = inner_->next();
        if (pending_.empty()) ended_ = true;
      }
    }
    return pending_;
  }
  void consume(std::size_t n) {
    pending_ = pending_.subspan(n);
    offset_ += n;
  }
  [[nodiscard]] std::uint64_t offset() const { return offset_; }
  [[nodiscard]] const std::string& origin() const { return inner_->origin(); }

 private:
  std::unique_ptr<ByteSource> inner_;
  Prefix prefix_;
  std::span<const std::byte> pending_;
  bool prefix_used_ = false;
  bool ended_ = false;
  std::uint64_t offset_ = 0;
};

// The bytes as they are, prefix first.
class PlainSource final : public ByteSource {
 public:
  PlainSource(std::unique_ptr<ByteSource> inner, Prefix prefix)
      : input_(std::move(inner), std::move(prefix)) {}
  std::span<const std::byte> next() override {
    const auto piece = input_.available();
    input_.consume(piece.size());
    return piece;
  }
  [[nodiscard]] const std::string& origin() const override { return input_.origin(); }

 private:
  CompressedInput input_;
};

class ZstdSource final : public ByteSource {
 public:
  ZstdSource(std::unique_ptr<ByteSource> inner, Prefix prefix, std::size_t out_bytes,
             std::shared_ptr<ReaderCache> cache)
      : input_(std::move(inner), std::move(prefix)),
        context_(ZSTD_createDCtx()),
        output_(out_bytes, std::move(cache)) {
    if (context_ == nullptr) throw std::bad_alloc();
    ZSTD_DCtx_setParameter(context_, ZSTD_d_windowLogMax, kZstdWindowLogMax);
  }
  ~ZstdSource() override { ZSTD_freeDCtx(context_); }
  ZstdSource(const ZstdSource&) = delete;
  ZstdSource& operator=(const ZstdSource&) = delete;

  std::span<const std::byte> next() override {
    ZSTD_outBuffer out{output_.data(), output_.size(), 0};
    while (out.pos < out.size) {
      const auto in_piece = input_.available();
      if (in_piece.empty()) {
        // What was decoded before the end is delivered first; the truncation is the next call's error.
        if (frame_open_ && out.pos == 0) {
          throw DataError(origin() +
                              ": zstd data truncated: the stream ends inside a frame at compressed byte " +
                              std::to_string(input_.offset()),
                          origin(), input_.offset());
        }
        break;
      }
      // zstd leaves in.pos unchanged when it fails, and it decodes a block only once the block is
      // whole: fed in slices, the corrupt block ends within the slice, so it starts at most one
      // block's length before the slice.
      const std::size_t slice = std::min(in_piece.size(), kZstdSliceBytes);
      ZSTD_inBuffer in{in_piece.data(), slice, 0};
      const std::size_t rc = ZSTD_decompressStream(context_, &out, &in);
      if (ZSTD_isError(rc)) {
        const std::uint64_t end = input_.offset() + slice;
        const std::uint64_t start = input_.offset();  // the failing block ends in the slice
        const std::uint64_t begin =
            std::max(frame_start_, start > kZstdBlockBytes ? start - kZstdBlockBytes : 0);
        throw DataError(origin() + ": corrupt zstd data in compressed bytes " + std::to_string(begin) + ".." +
                            std::to_string(end) + " (of the frame that starts at byte " +
                            std::to_string(frame_start_) + "): " + ZSTD_getErrorName(rc),
                        origin(), begin);
      }
      input_.consume(in.pos);
      frame_open_ = rc != 0;  // 0: a frame just ended (another may follow)
      if (!frame_open_) frame_start_ = input_.offset();
    }
    return {output_.data(), out.pos};
  }
  [[nodiscard]] const std::string& origin() const override { return input_.origin(); }

 private:
  CompressedInput input_;
  ZSTD_DCtx* context_;
  PageBuffer output_;
  bool frame_open_ = true;
  std::uint64_t frame_start_ = 0;
};

class GzipSource final : public ByteSource {
 public:
  GzipSource(std::unique_ptr<ByteSource> inner, Prefix prefix, std::size_t out_bytes,
             std::shared_ptr<ReaderCache> cache)
      : input_(std::move(inner), std::move(prefix)), output_(out_bytes, std::move(cache)) {
    start_member();
  }

  std::span<const std::byte> next() override {
    std::size_t produced = 0;
    while (produced < output_.size()) {
      auto in_piece = input_.available();
      if (state_.block_state == ISAL_BLOCK_FINISH) {
        if (in_piece.empty()) break;  // the stream ended after a complete member
        if (!starts_with(in_piece.first(std::min<std::size_t>(in_piece.size(), 1)),
                         std::span(kGzipMagic).first(1))) {
          throw DataError(origin() +
                              ": unexpected data after the gzip member that ended at compressed byte " +
                              std::to_string(input_.offset()) + " (not another gzip member)",
                          origin(), input_.offset());
        }
        start_member();  // concatenated members make one stream
      }
      if (in_piece.empty()) {
        if (produced > 0) break;  // delivered first; the truncation is the next call's error
        throw DataError(origin() +
                            ": gzip data truncated: the stream ends inside a member at compressed byte " +
                            std::to_string(input_.offset()),
                        origin(), input_.offset());
      }
      // ISA-L takes 32-bit lengths.
      const auto in_length = static_cast<std::uint32_t>(std::min<std::size_t>(in_piece.size(), UINT32_MAX));
      state_.next_in = const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(in_piece.data()));
      state_.avail_in = in_length;
      state_.next_out = reinterpret_cast<std::uint8_t*>(output_.data() + produced);
      state_.avail_out = static_cast<std::uint32_t>(output_.size() - produced);
      const int rc = isal_inflate(&state_);
      const std::size_t used = in_length - state_.avail_in;
      produced = output_.size() - state_.avail_out;
      if (rc < 0) {
        throw DataError(origin() + ": corrupt gzip data near compressed byte " +
                            std::to_string(input_.offset() + used) + ": " + describe(rc),
                        origin(), input_.offset() + used);
      }
      input_.consume(used);
    }
    return {output_.data(), produced};
  }
  [[nodiscard]] const std::string& origin() const override { return input_.origin(); }

 private:
  void start_member() {
    isal_inflate_init(&state_);
    state_.crc_flag = ISAL_GZIP;  // parse the header, check CRC32 and ISIZE of the trailer
  }

  static std::string describe(int rc) {
    switch (rc) {
      case ISAL_INVALID_BLOCK:
        return "invalid deflate block";
      case ISAL_INVALID_SYMBOL:
        return "invalid deflate symbol";
      case ISAL_INVALID_LOOKBACK:
        return "invalid back-reference distance";
      case ISAL_INVALID_WRAPPER:
        return "invalid gzip header";
      case ISAL_UNSUPPORTED_METHOD:
        return "compression method is not deflate";
      case ISAL_INCORRECT_CHECKSUM:
        return "CRC32 or length in the gzip trailer does not match the data";
      default:
        return "igzip error " + std::to_string(rc);
    }
  }

  CompressedInput input_;
  PageBuffer output_;
  inflate_state state_{};
};

}  // namespace

DetectedCompression detect_compression(std::span<const std::byte> prefix) {
  if (starts_with(prefix, kGzipMagic)) return DetectedCompression::kGzip;
  if (starts_with_zstd(prefix)) return DetectedCompression::kZstd;
  return DetectedCompression::kNone;
}

std::unique_ptr<ByteSource> decompressing(std::unique_ptr<ByteSource> inner, CompressionMode mode,
                                          std::size_t output_chunk_bytes, std::shared_ptr<ReaderCache> cache,
                                          PlainSignature plain, const ParallelZstdOptions* parallel_zstd) {
  const std::size_t wanted = std::max<std::size_t>(4, plain.matches != nullptr ? plain.bytes : 0);
  Prefix prefix;
  prefix.lent = inner->next();
  if (!prefix.lent.empty() && prefix.lent.size() < wanted) {
    prefix.gathered.assign(prefix.lent.begin(), prefix.lent.end());
    while (prefix.gathered.size() < wanted) {
      const auto piece = inner->next();
      if (piece.empty()) break;
      prefix.gathered.insert(prefix.gathered.end(), piece.begin(), piece.end());
    }
  }
  const bool plain_format = mode == CompressionMode::kAuto && plain.matches != nullptr &&
                            prefix.bytes().size() >= plain.bytes && plain.matches(prefix.bytes());
  const DetectedCompression detected =
      plain_format ? DetectedCompression::kNone : detect_compression(prefix.bytes());
  const bool gzip = detected == DetectedCompression::kGzip;
  const bool zstd = detected == DetectedCompression::kZstd;
  const std::string& origin = inner->origin();
  if (mode == CompressionMode::kGzip && !gzip && !prefix.bytes().empty()) {
    throw DataError(origin + ": expected gzip data (1f 8b) at byte 0", origin, 0);
  }
  if (mode == CompressionMode::kZstd && !zstd && !prefix.bytes().empty()) {
    throw DataError(origin + ": expected zstd data (28 b5 2f fd, or a skippable frame) at byte 0", origin, 0);
  }
  if (mode != CompressionMode::kNone && gzip) {
    return std::make_unique<GzipSource>(std::move(inner), std::move(prefix), output_chunk_bytes,
                                        std::move(cache));
  }
  if (mode != CompressionMode::kNone && zstd && parallel_zstd != nullptr && parallel_zstd->threads > 1) {
    const std::span<const std::byte> first = prefix.bytes();
    return std::make_unique<ParallelZstdSource>(
        std::move(inner), std::vector<std::byte>(first.begin(), first.end()), *parallel_zstd);
  }
  if (mode != CompressionMode::kNone && zstd) {
    return std::make_unique<ZstdSource>(std::move(inner), std::move(prefix), output_chunk_bytes,
                                        std::move(cache));
  }
  return std::make_unique<PlainSource>(std::move(inner), std::move(prefix));
}

bool decompresses(const ByteSource& source) { return dynamic_cast<const PlainSource*>(&source) == nullptr; }

}  // namespace chanload::io
