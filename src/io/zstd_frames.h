// Where each frame of a zstd stream ends, found from the frame and block headers alone (RFC 8878):
// the magic, the frame header's size from its descriptor, then 3-byte block headers up to the last
// block, then the optional checksum; a skippable frame (pzstd's size records) by its length field.
// Nothing is decompressed, so a stream of several frames (SageMaker's Pipe mode concatenates one
// per S3 object; pzstd writes many) can be cut at frame boundaries and its frames decoded at once.
// The walk is incremental: bytes arrive in pieces of any size.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace chanload::io {

class ZstdFrameWalker {
 public:
  // origin names the stream in errors.
  explicit ZstdFrameWalker(std::string origin) : origin_(std::move(origin)) {}

  struct Step {
    std::size_t bytes = 0;     // of the piece that belong to the current frame
    bool frame_ended = false;  // they end it: the next byte starts a new frame
  };
  // Walks `piece` until it is used up or the current frame ends. Bytes that cannot start a frame, a
  // reserved block type or a block larger than zstd allows are a DataError naming the origin and the
  // stream offset.
  Step feed(std::span<const std::byte> piece);
  // Whether the walk is between frames (at the stream's start, or just after a frame's end).
  [[nodiscard]] bool between_frames() const { return state_ == State::kMagic && have_ == 0; }
  // Stream offset of the current frame's first byte.
  [[nodiscard]] std::uint64_t frame_start() const { return frame_start_; }
  [[nodiscard]] std::uint64_t offset() const { return offset_; }

 private:
  enum class State { kMagic, kFrameHeader, kBlockHeader, kSkip, kSkippableSize };
  void parsed_field();  // the field gathered in field_ is whole: act on it
  [[noreturn]] void corrupt(const std::string& what, std::uint64_t at) const;

  std::string origin_;
  State state_ = State::kMagic;
  std::array<std::byte, 18> field_{};  // a header being gathered (a frame header is at most 18 bytes)
  std::size_t have_ = 0;
  std::size_t need_ = 4;
  std::uint64_t skip_ = 0;        // kSkip: bytes left of a block body, a checksum or a skippable frame
  bool after_skip_ends_ = false;  // kSkip: the frame ends when the skip does
  bool checksum_ = false;         // this frame ends with a 4-byte checksum
  std::uint64_t offset_ = 0;
  std::uint64_t frame_start_ = 0;
};

}  // namespace chanload::io
