// The parser must accept and reject what Python's json.loads does, with the same messages.
#include "env/py_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace chanload::env {
namespace {

std::string error_of(const std::string& text) {
  try {
    (void)parse_python_json(text);
  } catch (const JsonSyntaxError& e) {
    return e.what();
  }
  return "no error";
}

TEST(PythonJson, ParsesScalars) {
  EXPECT_TRUE(parse_python_json("null").is_null());
  EXPECT_TRUE(parse_python_json(" true ").as_bool());
  EXPECT_FALSE(parse_python_json("\tfalse\r\n").as_bool());
  EXPECT_EQ(parse_python_json("10").int_text(), "10");
  EXPECT_EQ(parse_python_json("-0").int_text(), "0");
  EXPECT_DOUBLE_EQ(parse_python_json("0.001").as_double(), 0.001);
  EXPECT_TRUE(parse_python_json("1e5").is_float());
  EXPECT_EQ(parse_python_json("\"resnet\"").as_string(), "resnet");
}

TEST(PythonJson, KeepsIntegersBeyondInt64AsWritten) {
  const Value big = parse_python_json("123456789012345678901234567890");
  EXPECT_EQ(big.int_text(), "123456789012345678901234567890");
  EXPECT_FALSE(big.as_int64().has_value());
  EXPECT_EQ(big.to_json(), "123456789012345678901234567890");
  EXPECT_EQ(parse_python_json("-9223372036854775809").int_text(), "-9223372036854775809");
}

TEST(PythonJson, RefusesIntegersPastPythonsDigitLimit) {
  EXPECT_NO_THROW(parse_python_json(std::string(4300, '7')));
  EXPECT_NE(error_of(std::string(4301, '7')).find("Exceeds the limit (4300 digits)"), std::string::npos);
}

TEST(PythonJson, AcceptsPythonsNonStandardNumbers) {
  EXPECT_TRUE(std::isnan(parse_python_json("NaN").as_double()));
  EXPECT_EQ(parse_python_json("Infinity").as_double(), INFINITY);
  EXPECT_EQ(parse_python_json("-Infinity").as_double(), -INFINITY);
  EXPECT_EQ(parse_python_json("1E400").as_double(), INFINITY);  // float('1E400') overflows to inf
  EXPECT_EQ(parse_python_json("1e-400").as_double(), 0.0);
  EXPECT_TRUE(std::signbit(parse_python_json("-0.0").as_double()));
}

TEST(PythonJson, DuplicateKeysKeepFirstPositionAndLastValue) {
  const Value v = parse_python_json(R"({"a": 1, "b": 2, "a": 3})");
  ASSERT_EQ(v.as_dict().size(), 2U);
  EXPECT_EQ(v.as_dict()[0].first, "a");
  EXPECT_EQ(v.as_dict()[0].second.int_text(), "3");
}

TEST(PythonJson, DecodesEscapesAndSurrogates) {
  EXPECT_EQ(parse_python_json(R"("a\"b\\c\/d\b\f\n\r\t")").as_string(), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(parse_python_json(R"("\u00e9\ud83d\ude00")").as_string(), "\u00e9\U0001F600");
  // A lone surrogate survives the round trip, as in Python.
  EXPECT_EQ(parse_python_json(R"("\ud800x\ud83d\ude00")").to_json(), R"("\ud800x\ud83d\ude00")");
  EXPECT_EQ(parse_python_json(R"("\udc00\ud800")").to_json(), R"("\udc00\ud800")");
}

TEST(PythonJson, ErrorsReadLikePythons) {
  EXPECT_EQ(error_of("{\"a\": 1,\n \"b\" 2}"), "Expecting ':' delimiter: line 2 column 6 (char 14)");
  EXPECT_EQ(error_of("[1, 2"), "Expecting ',' delimiter: line 1 column 6 (char 5)");
  EXPECT_EQ(error_of("{\"\u00e9\": 1, x}"),
            "Expecting property name enclosed in double quotes: line 1 column 10 (char 9)");
  EXPECT_EQ(error_of("\"abc"), "Unterminated string starting at: line 1 column 1 (char 0)");
  EXPECT_EQ(error_of("\"a\x01\""), "Invalid control character at: line 1 column 3 (char 2)");
  EXPECT_EQ(error_of(R"("\q")"), "Invalid \\escape: line 1 column 2 (char 1)");
  EXPECT_EQ(error_of(R"("\u12G4")"), "Invalid \\uXXXX escape: line 1 column 3 (char 2)");
  EXPECT_EQ(error_of(""), "Expecting value: line 1 column 1 (char 0)");
  EXPECT_EQ(error_of("resnet"), "Expecting value: line 1 column 1 (char 0)");
  EXPECT_EQ(error_of("True"), "Expecting value: line 1 column 1 (char 0)");
  EXPECT_EQ(error_of("1 2"), "Extra data: line 1 column 3 (char 2)");
  EXPECT_EQ(error_of("01"), "Extra data: line 1 column 2 (char 1)");
  EXPECT_EQ(error_of("1."), "Extra data: line 1 column 2 (char 1)");
  EXPECT_EQ(error_of("[1,]"), "Expecting value: line 1 column 4 (char 3)");
  EXPECT_NE(error_of("\xEF\xBB\xBF{}").find("Unexpected UTF-8 BOM"), std::string::npos);
}

TEST(PythonJson, BoundsNesting) {
  const std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_NO_THROW(parse_python_json(ok));
  const std::string deep = std::string(100000, '[');
  EXPECT_NE(error_of(deep).find("Nesting deeper than"), std::string::npos);
}

}  // namespace
}  // namespace chanload::env
