// One stream of bytes — a file, a FIFO, or the decompressed content of either — read in pieces
// that are lent, not copied: a piece stays valid until the next call to next().
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace chanload::io {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // The next piece; an empty span at the end of the stream (and on every call after it).
  virtual std::span<const std::byte> next() = 0;
  // The file or FIFO read, for messages.
  [[nodiscard]] virtual const std::string& origin() const = 0;
};

}  // namespace chanload::io
