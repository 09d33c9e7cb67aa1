#include "format/float_parse.h"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <system_error>

namespace chanload::format {
namespace {

// Clinger's fast path needs a mantissa and a power of ten that the type holds exactly: float32 has
// 24 significant bits (5^10 < 2^24, so 10^0..10^10), float64 53 (5^22 < 2^53, so 10^0..10^22).
template <typename T>
struct ExactDecimals;
template <>
struct ExactDecimals<float> {
  static constexpr float kPowersOfTen[] = {1e0F, 1e1F, 1e2F, 1e3F, 1e4F, 1e5F, 1e6F, 1e7F, 1e8F, 1e9F, 1e10F};
  static constexpr int kMaxExponent = 10;
  static constexpr std::uint64_t kMaxMantissa = std::uint64_t{1} << 24;
};
template <>
struct ExactDecimals<double> {
  static constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                            1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                            1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  static constexpr int kMaxExponent = 22;
  static constexpr std::uint64_t kMaxMantissa = std::uint64_t{1} << 53;
};

bool is_digit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// from_chars leaves value alone on overflow and underflow; strtof and strtod round to +-inf or 0.
float strto(const char* text, float) { return std::strtof(text, nullptr); }
double strto(const char* text, double) { return std::strtod(text, nullptr); }

// from_chars from first; no_number is what to return where there is none (the text's true start,
// before any '+' that first is past: a bare "+" is not a one-character number).
template <typename T>
const char* parse_slow(const char* first, const char* last, T& value, const char* no_number) {
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec == std::errc::result_out_of_range) {
    const std::string copy(first, ptr);
    value = strto(copy.c_str(), T{});
    return ptr;
  }
  return ec == std::errc() ? ptr : no_number;
}

template <typename T>
const char* parse_decimal(const char* first, const char* last, T& value) {
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
  // Clinger's fast path: a decimal mantissa and a power of ten both exact in T, so one IEEE
  // multiplication or division rounds correctly.
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
  if (digits == 0 || digits > 18)
    return parse_slow(start, last, value, first);  // inf, nan, junk, long mantissas
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
  using Exact = ExactDecimals<T>;
  if (mantissa > Exact::kMaxMantissa || exponent < -Exact::kMaxExponent || exponent > Exact::kMaxExponent)
    return parse_slow(start, last, value, first);
  const auto m = static_cast<T>(mantissa);
  const T magnitude = exponent < 0 ? m / Exact::kPowersOfTen[-exponent] : m * Exact::kPowersOfTen[exponent];
  value = negative ? -magnitude : magnitude;
  return p;
}

}  // namespace

const char* parse_float(const char* first, const char* last, float& value) {
  return parse_decimal(first, last, value);
}

const char* parse_float(const char* first, const char* last, double& value) {
  return parse_decimal(first, last, value);
}

}  // namespace chanload::format
