#include "io/zstd_frames.h"

#include <chanload/errors.h>

#include <algorithm>
#include <cstdio>

namespace chanload::io {
namespace {

constexpr std::uint32_t kFrameMagic = 0xFD2FB528U;
constexpr std::uint32_t kSkippableMagicMask = 0xFFFFFFF0U;
constexpr std::uint32_t kSkippableMagic = 0x184D2A50U;
constexpr std::uint32_t kMaxBlockBytes = std::uint32_t{128} << 10;  // Block_Maximum_Size's ceiling

std::uint32_t little_endian(std::span<const std::byte> bytes) {
  std::uint32_t value = 0;
  for (std::size_t i = bytes.size(); i > 0; --i)
    value = (value << 8U) | std::to_integer<std::uint32_t>(bytes[i - 1]);
  return value;
}

}  // namespace

void ZstdFrameWalker::corrupt(const std::string& what, std::uint64_t at) const {
  throw DataError(origin_ + ": corrupt zstd data at compressed byte " + std::to_string(at) +
                      " (in the frame that starts at byte " + std::to_string(frame_start_) + "): " + what,
                  origin_, at);
}

ZstdFrameWalker::Step ZstdFrameWalker::feed(std::span<const std::byte> piece) {
  Step step;
  while (step.bytes < piece.size()) {
    if (state_ == State::kSkip) {
      const std::uint64_t take = std::min<std::uint64_t>(skip_, piece.size() - step.bytes);
      skip_ -= take;
      step.bytes += take;
      offset_ += take;
      if (skip_ != 0) break;  // the piece ends inside the skip
      if (after_skip_ends_) {
        state_ = State::kMagic;
        need_ = 4;
        have_ = 0;
        step.frame_ended = true;
        return step;
      }
      state_ = State::kBlockHeader;
      need_ = 3;
      have_ = 0;
      continue;
    }
    if (state_ == State::kMagic && have_ == 0) frame_start_ = offset_;
    const std::size_t take = std::min(need_ - have_, piece.size() - step.bytes);
    std::copy_n(piece.begin() + static_cast<std::ptrdiff_t>(step.bytes), take, field_.begin() + have_);
    have_ += take;
    step.bytes += take;
    offset_ += take;
    if (have_ < need_) break;
    parsed_field();
    if (state_ == State::kMagic && have_ == 0) {  // an empty skippable frame ended just now
      step.frame_ended = true;
      return step;
    }
  }
  return step;
}

void ZstdFrameWalker::parsed_field() {
  const std::uint64_t field_start = offset_ - have_;
  switch (state_) {
    case State::kMagic: {
      const std::uint32_t magic = little_endian(std::span(field_).first(4));
      if ((magic & kSkippableMagicMask) == kSkippableMagic) {
        state_ = State::kSkippableSize;
        need_ = 4;
        have_ = 0;
        return;
      }
      if (magic != kFrameMagic) {
        char hex[16];
        std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(magic));
        corrupt(std::string("expected a frame's magic (28 b5 2f fd) or a skippable frame's, found 0x") + hex +
                    " (little-endian)",
                field_start);
      }
      state_ = State::kFrameHeader;
      need_ = 1;  // the descriptor, then the rest of the header it sizes
      have_ = 0;
      return;
    }
    case State::kFrameHeader: {
      const auto descriptor = std::to_integer<unsigned>(field_[0]);
      if (need_ == 1) {
        if ((descriptor & 0x08U) != 0) corrupt("the frame header's reserved bit is set", field_start);
        const bool single_segment = (descriptor & 0x20U) != 0;
        const unsigned content_size_flag = descriptor >> 6U;
        static constexpr std::size_t kContentSizeBytes[] = {0, 2, 4, 8};
        static constexpr std::size_t kDictionaryIdBytes[] = {0, 1, 2, 4};
        const std::size_t content_size =
            content_size_flag == 0 && single_segment ? 1 : kContentSizeBytes[content_size_flag];
        need_ = 1 + (single_segment ? 0 : 1) + kDictionaryIdBytes[descriptor & 0x03U] + content_size;
        checksum_ = (descriptor & 0x04U) != 0;
        if (have_ < need_) return;  // gather the rest
      }
      state_ = State::kBlockHeader;
      need_ = 3;
      have_ = 0;
      return;
    }
    case State::kBlockHeader: {
      const std::uint32_t header = little_endian(std::span(field_).first(3));
      const bool last = (header & 1U) != 0;
      const std::uint32_t type = (header >> 1U) & 3U;
      const std::uint32_t size = header >> 3U;
      if (type == 3) corrupt("a block of the reserved type 3", field_start);
      if (size > kMaxBlockBytes) {
        corrupt("a block of " + std::to_string(size) + " bytes, above zstd's limit of " +
                    std::to_string(kMaxBlockBytes),
                field_start);
      }
      skip_ = type == 1 ? 1 : size;  // RLE: one byte, repeated
      after_skip_ends_ = false;
      if (last) {
        skip_ += checksum_ ? 4 : 0;
        after_skip_ends_ = true;
      }
      state_ = State::kSkip;
      have_ = 0;
      if (skip_ == 0 && after_skip_ends_) {  // an empty last block without a checksum
        state_ = State::kMagic;
        need_ = 4;
      }
      return;
    }
    case State::kSkippableSize:
      skip_ = little_endian(std::span(field_).first(4));
      after_skip_ends_ = true;
      state_ = State::kSkip;
      have_ = 0;
      if (skip_ == 0) {
        state_ = State::kMagic;
        need_ = 4;
      }
      return;
    case State::kSkip:
      return;
  }
}

}  // namespace chanload::io
