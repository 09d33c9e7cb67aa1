// parse_float against std::from_chars, for float and double: the fast path (Clinger's) must give
// exactly what from_chars gives wherever from_chars accepts the text and the value is in range, end
// where it ends, and refuse what it refuses (a bare "+" read as a number was a bug the old check
// skipped).
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <system_error>

#include "format/float_parse.h"

namespace {

template <typename T>
void compare(const char* first, const char* last) {
  // parse_float accepts one more thing than from_chars: a single leading '+', after which it reads
  // what from_chars reads. Where neither has a number, parse_float returns first.
  const bool plus =
      first < last && *first == '+' && (last - first == 1 || (first[1] != '+' && first[1] != '-'));
  const char* reference_first = plus ? first + 1 : first;
  T expected{};
  auto [expected_end, error] = std::from_chars(reference_first, last, expected);
  if (error == std::errc::invalid_argument) expected_end = first;  // no number: the whole text is refused
  T parsed{};
  const char* end = chanload::format::parse_float(first, last, parsed);
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
