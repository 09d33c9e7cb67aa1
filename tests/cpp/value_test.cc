#include <chanload/value.h>

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "env/py_json.h"

namespace chanload {
namespace {

Value json(const std::string& text) { return env::parse_python_json(text); }

TEST(Value, DumpsLikePythonJsonWithSortedKeysAndCompactSeparators) {
  EXPECT_EQ(json(R"({"b": [64, 32], "a": {"z": 1.0, "y": null}, "c": true})").to_json(),
            R"({"a":{"y":null,"z":1.0},"b":[64,32],"c":true})");
  EXPECT_EQ(json("1e-5").to_json(), "1e-05");
  EXPECT_EQ(json("1e16").to_json(), "1e+16");
  EXPECT_EQ(json("NaN").to_json(), "NaN");
  EXPECT_EQ(json("-Infinity").to_json(), "-Infinity");
}

TEST(Value, DumpsAsciiOnlyWithPythonsEscapes) {
  EXPECT_EQ(Value::string("r\u00e9s\"n\x7f\x01\U0001F600").to_json(),
            R"("r\u00e9s\"n\u007f\u0001\ud83d\ude00")");
  EXPECT_EQ(Value::string("\b\f\n\r\t\\/").to_json(), R"("\b\f\n\r\t\\/")");
}

TEST(Value, SortsKeysByCodePoint) {
  EXPECT_EQ(json(R"({"\u00e9": 1, "z": 2, "\u00df": 3, "A": 4})").to_json(),
            R"({"A":4,"z":2,"\u00df":3,"\u00e9":1})");
}

TEST(Value, StrAndReprFollowPython) {
  EXPECT_EQ(json(R"([64, 32, "a'b", {"z": 1, "a": [1.5, null]}, true])").to_python_str(),
            R"([64, 32, "a'b", {'z': 1, 'a': [1.5, None]}, True])");
  EXPECT_EQ(json(R"("plain")").to_python_str(), "plain");
  EXPECT_EQ(json(R"("plain")").to_python_repr(), "'plain'");
  EXPECT_EQ(json("NaN").to_python_str(), "nan");
  EXPECT_EQ(json("1e400").to_python_str(), "inf");
  EXPECT_EQ(Value().to_python_str(), "None");
}

TEST(Value, TruthinessFollowsPython) {
  EXPECT_FALSE(Value().truthy());
  EXPECT_FALSE(json("0").truthy());
  EXPECT_FALSE(json("0.0").truthy());
  EXPECT_FALSE(json("\"\"").truthy());
  EXPECT_FALSE(json("[]").truthy());
  EXPECT_FALSE(json("{}").truthy());
  EXPECT_TRUE(json("NaN").truthy());
  EXPECT_TRUE(json("\"false\"").truthy());
  EXPECT_TRUE(json("[0]").truthy());
}

TEST(Value, EqualityFollowsPython) {
  EXPECT_EQ(json("1"), json("1.0"));
  EXPECT_EQ(json("true"), json("1"));
  EXPECT_NE(json("NaN"), json("NaN"));
  EXPECT_EQ(json(R"({"a": 1, "b": 2})"), json(R"({"b": 2, "a": 1})"));
  EXPECT_NE(json(R"([1, 2])"), json(R"([2, 1])"));
  EXPECT_NE(json("\"1\""), json("1"));
}

TEST(Value, IntegersNormaliseAndConvert) {
  EXPECT_EQ(Value::integer_text("-000").int_text(), "0");
  EXPECT_EQ(Value::integer_text("0042").int_text(), "42");
  EXPECT_EQ(Value::integer_text("-7").as_int64(), -7);
  EXPECT_EQ(Value::integer_text("9223372036854775807").as_int64(), INT64_MAX);
  EXPECT_FALSE(Value::integer_text("9223372036854775808").as_int64().has_value());
  EXPECT_THROW(Value::integer_text("12a"), std::invalid_argument);
  EXPECT_THROW(Value::integer_text("-"), std::invalid_argument);
}

TEST(Value, WrongKindAccessThrows) {
  EXPECT_THROW((void)Value::string("x").as_bool(), std::logic_error);
  EXPECT_THROW((void)Value().as_list(), std::logic_error);
  EXPECT_EQ(Value::string("x").find("k"), nullptr);
}

TEST(Value, SetReplacesInPlace) {
  Value d = Value::dict();
  d.set("a", Value::integer(1));
  d.set("b", Value::integer(2));
  d.set("a", Value::integer(3));
  ASSERT_EQ(d.as_dict().size(), 2U);
  EXPECT_EQ(d.as_dict()[0].first, "a");
  EXPECT_EQ(d.find("a")->int_text(), "3");
}

}  // namespace
}  // namespace chanload
