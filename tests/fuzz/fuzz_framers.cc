// Every framer over arbitrary bytes, cut into chunks of a size the input chooses. No crash, no
// sanitizer report, no allocation beyond max_record_bytes (the runner sets -malloc_limit_mb).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "format/framer.h"
#include "format/framing_error.h"

using namespace chanload::format;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  const auto format = static_cast<RecordFormat>(data[1] % 4);
  FramerOptions options;
  options.max_record_bytes = 1 << 20;
  options.recordio_join = (data[1] & 4) != 0 ? RecordIOJoin::kDmlc : RecordIOJoin::kAws;
  const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data + 2), size - 2);
  auto framer = make_framer(format, options);
  std::vector<std::byte> carry;
  std::vector<std::byte> scratch;
  try {
    for (std::size_t at = 0; at < input.size(); at += chunk) {
      std::span<const std::byte> piece = input.subspan(at, std::min(chunk, input.size() - at));
      framer->new_piece();
      while (!piece.empty()) {
        const Scan scan = framer->scan(piece);
        if ((scan.take == 0 && !scan.complete) || scan.take > piece.size())
          __builtin_trap();  // a hang, or overrun
        carry.insert(carry.end(), piece.begin(), piece.begin() + static_cast<std::ptrdiff_t>(scan.take));
        if (carry.size() > options.max_record_bytes + 64) return 0;  // RecordReader stops here
        piece = piece.subspan(scan.take);
        if (scan.complete) {
          (void)framer->finish(carry, {}, scratch);
          carry.clear();
        }
      }
    }
    if (!carry.empty() && framer->accept_unterminated(carry, {})) (void)framer->finish(carry, {}, scratch);
  } catch (const FramingError&) {
  }
  return 0;
}
