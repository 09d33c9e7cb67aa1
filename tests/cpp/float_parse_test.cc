// The float32 and float64 fast paths must give exactly std::from_chars's result.
#include "format/float_parse.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <random>
#include <string>

namespace chanload::format {
namespace {

struct Parsed {
  float value = 0;
  std::size_t length = 0;
};

Parsed ours(const std::string& text) {
  Parsed p;
  p.length =
      static_cast<std::size_t>(parse_float(text.data(), text.data() + text.size(), p.value) - text.data());
  return p;
}

Parsed reference(const std::string& text) {
  Parsed p;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), p.value);
  p.length = ec == std::errc() ? static_cast<std::size_t>(ptr - text.data()) : 0;
  return p;
}

struct ParsedDouble {
  double value = 0;
  std::size_t length = 0;
};

ParsedDouble ours_f64(const std::string& text) {
  ParsedDouble p;
  p.length =
      static_cast<std::size_t>(parse_float(text.data(), text.data() + text.size(), p.value) - text.data());
  return p;
}

ParsedDouble reference_f64(const std::string& text) {
  ParsedDouble p;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), p.value);
  p.length = ec == std::errc() ? static_cast<std::size_t>(ptr - text.data()) : 0;
  return p;
}

std::uint64_t bits(double d) {
  std::uint64_t b = 0;
  std::memcpy(&b, &d, 8);
  return b;
}

std::uint32_t bits(float f) {
  std::uint32_t b = 0;
  std::memcpy(&b, &f, 4);
  return b;
}

// A random short decimal, signed at random: a mantissa below 2^(1..mantissa_bits), scaled by a power of
// ten in [-max_scale, max_scale], written with a decimal point where it falls inside the digits,
// else with an exponent.
std::string random_decimal(std::mt19937_64& rng, unsigned mantissa_bits, int max_scale) {
  const std::uint64_t mantissa = rng() % (std::uint64_t{1} << (1 + rng() % mantissa_bits));
  const int scale = static_cast<int>(rng() % static_cast<std::uint64_t>(2 * max_scale + 1)) - max_scale;
  std::string text = std::to_string(mantissa);
  if (scale < 0 && static_cast<std::size_t>(-scale) < text.size()) {
    text.insert(text.size() - static_cast<std::size_t>(-scale), ".");
  } else if (scale != 0) {
    text += "e" + std::to_string(scale);
  }
  if ((rng() & 1) != 0) text.insert(0, "-");
  return text;
}

TEST(FloatParse, EqualsFromCharsOnAMillionShortDecimals) {
  std::mt19937_64 rng(2026);
  for (int i = 0; i < 1'000'000; ++i) {
    const std::string text = random_decimal(rng, 27, 12);  // mantissas around 2^24 too
    const Parsed a = ours(text);
    const Parsed b = reference(text);
    ASSERT_EQ(a.length, b.length) << text;
    ASSERT_EQ(bits(a.value), bits(b.value)) << text;
  }
}

TEST(FloatParse, EqualsFromCharsOnEdgeSyntax) {
  for (const std::string text : {"0",
                                 "-0",
                                 "0.0",
                                 "1.",
                                 ".5",
                                 "-.5",
                                 "1e5",
                                 "1E-5",
                                 "1e+5",
                                 "1e",
                                 "1e+",
                                 "2.5e10",
                                 "16777216",
                                 "16777217",
                                 "0.000001",
                                 "1e-10",
                                 "1e-11",
                                 "9999999e10",
                                 "123456789012345678",
                                 "1234567890123456789012",
                                 "3.4028235e38",
                                 "1e-45",
                                 "nan",
                                 "-inf",
                                 "Infinity",
                                 "abc",
                                 ".",
                                 "-",
                                 "1.5.5",
                                 "0x10",
                                 "00012.5000"}) {
    const Parsed a = ours(text);
    const Parsed b = reference(text);
    EXPECT_EQ(a.length, b.length) << text;
    if (b.length != 0 && !std::isnan(b.value)) {
      EXPECT_EQ(bits(a.value), bits(b.value)) << text;
    }
  }
}

// float64's fast path takes mantissas up to 2^53 and powers of ten up to 10^22: the random
// decimals straddle both limits.
TEST(FloatParse, Float64EqualsFromCharsOnShortDecimals) {
  std::mt19937_64 rng(2027);
  for (int i = 0; i < 500'000; ++i) {
    const std::string text = random_decimal(rng, 57, 25);
    const ParsedDouble a = ours_f64(text);
    const ParsedDouble b = reference_f64(text);
    ASSERT_EQ(a.length, b.length) << text;
    ASSERT_EQ(bits(a.value), bits(b.value)) << text;
  }
}

TEST(FloatParse, Float64EqualsFromCharsOnEdgeValues) {
  for (const std::string text : {"0.1",
                                 "-0",
                                 "0.30000000000000004",
                                 "9007199254740992",
                                 "9007199254740993",
                                 "1e22",
                                 "1e23",
                                 "4.35e-22",
                                 "123456789012345678",
                                 "1.7976931348623157e308",
                                 "2.2250738585072014e-308",
                                 "1e-310",
                                 "4.9e-324",
                                 "3.4e39",
                                 "16777217",
                                 "nan",
                                 "-inf",
                                 "abc",
                                 "1e",
                                 "00012.5000"}) {
    const ParsedDouble a = ours_f64(text);
    const ParsedDouble b = reference_f64(text);
    EXPECT_EQ(a.length, b.length) << text;
    if (b.length != 0 && !std::isnan(b.value)) {
      EXPECT_EQ(bits(a.value), bits(b.value)) << text;
    }
  }
  // What float32 would lose.
  EXPECT_EQ(ours_f64("16777217").value, 16777217.0);
  EXPECT_EQ(ours_f64("3.4e39").value, 3.4e39);
  EXPECT_EQ(ours_f64("1e-310").value, 1e-310);
}

TEST(FloatParse, Float64OutOfRangeRoundsLikeStrtod) {
  EXPECT_EQ(ours_f64("1e400").value, HUGE_VAL);
  EXPECT_EQ(ours_f64("-1e400").value, -HUGE_VAL);
  EXPECT_EQ(ours_f64("1e-400").value, 0.0);
  EXPECT_EQ(ours_f64("+2.5").value, 2.5);
}

TEST(FloatParse, AcceptsALeadingPlusButNotTwoSigns) {
  EXPECT_EQ(ours("+1.5").value, 1.5F);
  EXPECT_EQ(ours("+1.5").length, 4U);
  EXPECT_EQ(ours("+inf").value, INFINITY);
  EXPECT_EQ(ours("+-1").length, 0U);
  EXPECT_EQ(ours("-+1").length, 0U);
}

// Regression: after a '+' the slow path started past the sign, and its "no number" answer (its own
// start) read as a one-character number, so "1,+,3" decoded as 1, 0, 3.
TEST(FloatParse, ASignAloneIsNotANumber) {
  for (const std::string text : {"+", "+.", "+e5", "+ 1", "+x", "-", "-.", "-e5"}) {
    EXPECT_EQ(ours(text).length, 0U) << text;
    double value = 0;
    EXPECT_EQ(parse_float(text.data(), text.data() + text.size(), value), text.data()) << text;
  }
}

TEST(FloatParse, OutOfRangeRoundsLikeStrtof) {
  EXPECT_EQ(ours("1e39").value, INFINITY);
  EXPECT_EQ(ours("-1e39").value, -INFINITY);
  EXPECT_EQ(ours("1e-50").value, 0.0F);
}

}  // namespace
}  // namespace chanload::format
