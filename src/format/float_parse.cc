#include "format/float_parse.h"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <system_error>

namespace chanload::format {
namespace {

// Powers of ten that float32 holds exactly (5^10 < 2^24).
constexpr float kExactPowersOfTen[] = {1e0F, 1e1F, 1e2F, 1e3F, 1e4F, 1e5F, 1e6F, 1e7F, 1e8F, 1e9F, 1e10F};
constexpr std::uint64_t kMaxExactMantissa = std::uint64_t{1} << 24;

bool is_digit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

const char* parse_slow(const char* first, const char* last, float& value) {
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec == std::errc::result_out_of_range) {  // from_chars leaves value alone; strtof rounds
    const std::string copy(first, ptr);
    value = std::strtof(copy.c_str(), nullptr);
    return ptr;
  }
  return ec == std::errc() ? ptr : first;
}

}  // namespace

const char* parse_float(const char* first, const char* last, float& value) {
  const char* start = first;
  const char* p = first;
  bool negative = false;
  if (p < last && (*p == '-' || *p == '+')) {
    negative = *p == '-';
    ++p;
    if (!negative) {
      if (p < last && (*p == '-' || *p == '+')) return first;  // "+-1" is not a number
      start = p;  // from_chars takes no '+': the slow path starts after it
    }
  }
  // Clinger's fast path, for float: a decimal mantissa below 2^24 and a power of ten at most 10^10
  // are both exact in float32, so one IEEE multiplication or division rounds correctly.
  std::uint64_t mantissa = 0;
  int digits = 0;
  int exponent = 0;
  while (p < last && is_digit(*p)) {
    mantissa = mantissa * 10 + static_cast<std::uint64_t>(*p - '0');
    ++p;
    ++digits;
  }
  if (p < last && *p == '.') {
    ++p;
    while (p < last && is_digit(*p)) {
      mantissa = mantissa * 10 + static_cast<std::uint64_t>(*p - '0');
      ++p;
      ++digits;
      --exponent;
    }
  }
  if (digits == 0 || digits > 18) return parse_slow(start, last, value);  // inf, nan, junk, long mantissas
  if (p < last && (*p == 'e' || *p == 'E')) {
    const char* q = p + 1;
    bool negative_exponent = false;
    if (q < last && (*q == '-' || *q == '+')) {
      negative_exponent = *q == '-';
      ++q;
    }
    if (q < last && is_digit(*q)) {
      int e = 0;
      while (q < last && is_digit(*q)) {
        if (e < 100000) e = e * 10 + (*q - '0');
        ++q;
      }
      exponent += negative_exponent ? -e : e;
      p = q;
    }
  }
  if (mantissa > kMaxExactMantissa || exponent < -10 || exponent > 10) return parse_slow(start, last, value);
  const auto m = static_cast<float>(mantissa);
  const float magnitude = exponent < 0 ? m / kExactPowersOfTen[-exponent] : m * kExactPowersOfTen[exponent];
  value = negative ? -magnitude : magnitude;
  return p;
}

}  // namespace chanload::format
