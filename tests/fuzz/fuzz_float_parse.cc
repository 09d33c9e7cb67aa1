// parse_float against std::from_chars, for float and double: the fast path (Clinger's) must give
// exactly what from_chars gives wherever from_chars accepts the text and the value is in range.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <system_error>

#include "format/float_parse.h"

namespace {

template <typename T>
void compare(const char* first, const char* last) {
  T expected{};
  const auto [expected_end, error] = std::from_chars(first, last, expected);
  T parsed{};
  const char* end = chanload::format::parse_float(first, last, parsed);
  if (error == std::errc::invalid_argument) return;  // parse_float may accept more ('+')
  if (end != expected_end) __builtin_trap();
  if (error == std::errc() && std::memcmp(&parsed, &expected, sizeof(T)) != 0 && parsed == parsed)
    __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const char* first = reinterpret_cast<const char*>(data);
  compare<float>(first, first + size);
  compare<double>(first, first + size);
  return 0;
}
