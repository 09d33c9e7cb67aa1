// Expected strings are what CPython 3.11 prints for the same input.
#include "env/python_text.h"

#include <gtest/gtest.h>

#include <limits>

namespace chanload::env {
namespace {

TEST(PythonFloatRepr, MatchesCPython) {
  EXPECT_EQ(python_float_repr(1e-05), "1e-05");
  EXPECT_EQ(python_float_repr(100000.0), "100000.0");
  EXPECT_EQ(python_float_repr(1e16), "1e+16");
  EXPECT_EQ(python_float_repr(1e15), "1000000000000000.0");
  EXPECT_EQ(python_float_repr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(python_float_repr(9999999999999998.0), "9999999999999998.0");
  EXPECT_EQ(python_float_repr(5e-324), "5e-324");
  EXPECT_EQ(python_float_repr(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(python_float_repr(-0.0), "-0.0");
  EXPECT_EQ(python_float_repr(0.0), "0.0");
  EXPECT_EQ(python_float_repr(0.0001), "0.0001");
  EXPECT_EQ(python_float_repr(0.00012345), "0.00012345");
  EXPECT_EQ(python_float_repr(123456789.123), "123456789.123");
  EXPECT_EQ(python_float_repr(1.5e-7), "1.5e-07");
  EXPECT_EQ(python_float_repr(2.5), "2.5");
  EXPECT_EQ(python_float_repr(-1e22), "-1e+22");
  EXPECT_EQ(python_float_repr(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(python_float_repr(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(python_float_repr(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST(PythonStringRepr, QuotesAndEscapesLikeCPython) {
  EXPECT_EQ(python_string_repr("a'b"), "\"a'b\"");
  EXPECT_EQ(python_string_repr("a'b\"c"), "'a\\'b\"c'");
  EXPECT_EQ(python_string_repr("tab\there\n"), "'tab\\there\\n'");
  EXPECT_EQ(python_string_repr(std::string("\x7f\x00", 2)), "'\\x7f\\x00'");
  EXPECT_EQ(python_string_repr("back\\slash"), "'back\\\\slash'");
  EXPECT_EQ(python_string_repr(""), "''");
}

TEST(PythonStringRepr, UsesUnicodePrintability) {
  EXPECT_EQ(python_string_repr("\u00a0"), "'\\xa0'");                       // no-break space: Zs
  EXPECT_EQ(python_string_repr("\u200b"), "'\\u200b'");                     // zero width space: Cf
  EXPECT_EQ(python_string_repr("\u2028"), "'\\u2028'");                     // line separator: Zl
  EXPECT_EQ(python_string_repr("\ue000"), "'\\ue000'");                     // private use
  EXPECT_EQ(python_string_repr("\U0010ffff"), "'\\U0010ffff'");             // noncharacter
  EXPECT_EQ(python_string_repr("\u00e9\U0001F600"), "'\u00e9\U0001F600'");  // printable: kept
  std::string lone_surrogate;
  append_utf8(lone_surrogate, 0xD800);
  EXPECT_EQ(python_string_repr(lone_surrogate), "'\\ud800'");
}

TEST(PythonUpper, UsesFullCaseMapping) {
  EXPECT_EQ(python_upper("learning-rate"), "LEARNING-RATE");
  EXPECT_EQ(python_upper("val.x-1"), "VAL.X-1");
  EXPECT_EQ(python_upper("\u00df"), "SS");
  EXPECT_EQ(python_upper("\u00e9"), "\u00c9");
  EXPECT_EQ(python_upper("\ufb01"), "FI");
  EXPECT_EQ(python_upper("\u0149"), "\u02bcN");
  EXPECT_EQ(python_upper("\u01c5"), "\u01c4");
  EXPECT_EQ(python_upper("\U0001F600"), "\U0001F600");
}

TEST(Utf8, CountsAndValidates) {
  EXPECT_EQ(code_point_count("a\u00e9\U0001F600"), 3U);
  EXPECT_EQ(find_invalid_utf8("plain \u00e9"), std::string::npos);
  EXPECT_EQ(find_invalid_utf8("ab\xff"), 2U);
  EXPECT_EQ(find_invalid_utf8("ab\xc3"), 2U);            // truncated sequence
  EXPECT_EQ(find_invalid_utf8("\xc0\xaf"), 0U);          // overlong
  EXPECT_EQ(find_invalid_utf8("x\xed\xa0\x80"), 1U);     // surrogate
  EXPECT_EQ(find_invalid_utf8("\xf4\x90\x80\x80"), 0U);  // beyond U+10FFFF
}

TEST(Utf8, EncodesAndDecodesEveryPlane) {
  for (std::uint32_t cp : {0x41U, 0xE9U, 0x20ACU, 0xD800U, 0x1F600U, 0x10FFFFU}) {
    std::string text;
    append_utf8(text, cp);
    std::size_t pos = 0;
    EXPECT_EQ(next_code_point(text, pos), cp);
    EXPECT_EQ(pos, text.size());
  }
}

}  // namespace
}  // namespace chanload::env
