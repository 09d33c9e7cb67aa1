// The float32 fast path must give exactly std::from_chars's result.
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

std::uint32_t bits(float f) {
  std::uint32_t b = 0;
  std::memcpy(&b, &f, 4);
  return b;
}

TEST(FloatParse, EqualsFromCharsOnAMillionShortDecimals) {
  std::mt19937_64 rng(2026);
  for (int i = 0; i < 1'000'000; ++i) {
    const std::uint64_t mantissa = rng() % (std::uint64_t{1} << (1 + rng() % 27));  // around 2^24 too
    const int scale = static_cast<int>(rng() % 25) - 12;
    std::string text = std::to_string(mantissa);
    if (scale < 0 && static_cast<std::size_t>(-scale) < text.size()) {
      text.insert(text.size() - static_cast<std::size_t>(-scale), ".");
    } else if (scale != 0) {
      text += "e" + std::to_string(scale);
    }
    if ((rng() & 1) != 0) text.insert(0, "-");
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

TEST(FloatParse, AcceptsALeadingPlusButNotTwoSigns) {
  EXPECT_EQ(ours("+1.5").value, 1.5F);
  EXPECT_EQ(ours("+1.5").length, 4U);
  EXPECT_EQ(ours("+inf").value, INFINITY);
  EXPECT_EQ(ours("+-1").length, 0U);
  EXPECT_EQ(ours("-+1").length, 0U);
}

TEST(FloatParse, OutOfRangeRoundsLikeStrtof) {
  EXPECT_EQ(ours("1e39").value, INFINITY);
  EXPECT_EQ(ours("-1e39").value, -INFINITY);
  EXPECT_EQ(ours("1e-50").value, 0.0F);
}

}  // namespace
}  // namespace chanload::format
