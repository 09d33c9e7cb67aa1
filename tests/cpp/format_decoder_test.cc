// CSV and RecordIO-protobuf decoding: values, layout, and bad input.
#include <chanload/errors.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <random>

#include "format/csv_decoder.h"
#include "format/recordio_protobuf_decoder.h"
#include "protobuf_wire.h"

namespace chanload::format {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kOrigin = "/opt/ml/input/data/train/a.csv";

std::span<const std::byte> bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

DecodedRows decode_csv(const std::vector<std::string>& rows, CsvDecodeOptions options = {}) {
  CsvDecoder decoder(options);
  DecodedRows out;
  std::uint64_t offset = 0;
  std::uint64_t line = 1;
  for (const auto& row : rows) {
    decoder.decode(bytes(row), RecordPlace{&kOrigin, offset, line}, out);
    offset += row.size() + 1;
    ++line;
  }
  return out;
}

// The DataError a decode of rows raises, or "no error".
std::string csv_error(const std::vector<std::string>& rows, CsvDecodeOptions options = {}) {
  try {
    (void)decode_csv(rows, options);
  } catch (const DataError& e) {
    return e.what();
  }
  return "no error";
}

TEST(CsvDecoder, LabelColumnsFirstThenFeatures) {
  CsvDecodeOptions options;
  options.label_size = 1;
  const DecodedRows out = decode_csv({"1,0.5,0.25", "0,1.5,2"}, options);
  EXPECT_EQ(out.rows, 2U);
  EXPECT_EQ(out.columns, 2U);
  EXPECT_EQ(out.label_size, 1U);
  EXPECT_THAT(out.labels, ElementsAre(1.0F, 0.0F));
  EXPECT_THAT(out.features, ElementsAre(0.5F, 0.25F, 1.5F, 2.0F));
}

TEST(CsvDecoder, AcceptsWhatAnExperiencedUserWouldExpect) {
  const DecodedRows out = decode_csv({"\xEF\xBB\xBF 1 ,\"2.5\", +3,\" 4 \"", "", "  \r", "-0,1e3,5E-1,7"});
  EXPECT_EQ(out.rows, 2U);
  EXPECT_THAT(out.features, ElementsAre(1.0F, 2.5F, 3.0F, 4.0F, -0.0F, 1000.0F, 0.5F, 7.0F));
  EXPECT_TRUE(std::signbit(out.features[4]));
}

TEST(CsvDecoder, NanAndInfinityInAnyCaseAndEmptyFieldsAsNan) {
  const DecodedRows out = decode_csv({"nan,NaN,inf,-INF,Infinity,-infinity,"});
  ASSERT_EQ(out.features.size(), 7U);
  EXPECT_TRUE(std::isnan(out.features[0]) && std::isnan(out.features[1]));
  EXPECT_EQ(out.features[2], INFINITY);
  EXPECT_EQ(out.features[3], -INFINITY);
  EXPECT_EQ(out.features[4], INFINITY);
  EXPECT_EQ(out.features[5], -INFINITY);
  EXPECT_TRUE(std::isnan(out.features[6]));
}

TEST(CsvDecoder, ValuesEqualFromCharsOnRandomFields) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> value(-1e6, 1e6);
  std::vector<std::string> rows;
  std::vector<float> expected;
  for (int r = 0; r < 200; ++r) {
    std::string row;
    for (int c = 0; c < 33; ++c) {
      char text[64];
      const int precision = 1 + static_cast<int>(rng() % 17);
      std::snprintf(text, sizeof text, (rng() % 2) != 0 ? "%.*g" : "%.*e", precision,
                    value(rng) * std::pow(10.0, static_cast<int>(rng() % 60) - 30));
      float parsed = 0;
      std::from_chars(text, text + std::strlen(text), parsed);
      expected.push_back(parsed);
      row += (c == 0 ? "" : ",") + std::string(text);
    }
    rows.push_back(row);
  }
  const DecodedRows out = decode_csv(rows);
  ASSERT_EQ(out.features.size(), expected.size());
  EXPECT_EQ(std::memcmp(out.features.data(), expected.data(), expected.size() * 4), 0);
}

TEST(CsvDecoder, OutOfRangeValuesRoundLikeStrtof) {
  const DecodedRows out = decode_csv({"1e40,-1e40,1e-50"});
  EXPECT_THAT(out.features, ElementsAre(INFINITY, -INFINITY, 0.0F));
}

std::uint64_t bits(double d) {
  std::uint64_t b = 0;
  std::memcpy(&b, &d, 8);
  return b;
}

// float64 output: every value is std::from_chars of the field to double, including what float32
// cannot hold (a subnormal double, a value past float32's range, 17 significant digits).
TEST(CsvDecoder, Float64ValuesEqualFromCharsToDouble) {
  const std::vector<std::string> fields = {
      "0.1",  "1e-310",  "3.4e39", "-2.5", "0.30000000000000004", "16777217", "123456789.123456789",
      "1e22", "4.9e-324"};
  std::string text;
  for (const auto& f : fields) text += (text.empty() ? "" : ",") + f;
  CsvDecodeOptions options;
  options.label_size = 1;
  CsvDecoder decoder(options);
  DecodedRowsF64 out;
  ASSERT_EQ(decoder.decode(bytes(text), RecordPlace{&kOrigin, 0, 1}, out), CsvDecoder::Outcome::kDecoded);
  ASSERT_EQ(decoder.decode(bytes(text), RecordPlace{&kOrigin, 60, 2}, out), CsvDecoder::Outcome::kDecoded);
  ASSERT_EQ(out.rows, 2U);
  ASSERT_EQ(out.features.size(), 2 * (fields.size() - 1));
  for (std::size_t i = 0; i < fields.size(); ++i) {
    double expected = 0;
    const auto [ptr, ec] = std::from_chars(fields[i].data(), fields[i].data() + fields[i].size(), expected);
    ASSERT_EQ(ec, std::errc()) << fields[i];
    for (std::size_t r = 0; r < 2; ++r) {
      const double got = i == 0 ? out.labels[r] : out.features[r * (fields.size() - 1) + i - 1];
      EXPECT_EQ(bits(got), bits(expected)) << fields[i];
    }
  }
  EXPECT_NE(out.labels[0], static_cast<double>(0.1F));  // not a float32 widened
  EXPECT_GT(out.features[0], 0.0);                      // a subnormal double, where float32 has 0
  EXPECT_EQ(out.features[1], 3.4e39);                   // finite, where float32 overflows
  const DecodedRows narrow = decode_csv({text});
  EXPECT_EQ(narrow.features[1], 0.0F);
  EXPECT_EQ(narrow.features[2], INFINITY);
}

TEST(CsvDecoder, Float64DecodeIntoPlaceAndNanForEmptyFields) {
  CsvDecodeOptions options;
  options.label_size = 1;
  CsvDecoder decoder(options);
  decoder.expect_columns(3);
  double labels[1] = {};
  double features[2] = {};
  ASSERT_EQ(decoder.decode_into(bytes("0.1,,1e300"), RecordPlace{&kOrigin, 0, 1}, labels, features),
            CsvDecoder::Outcome::kDecoded);
  EXPECT_EQ(labels[0], 0.1);
  EXPECT_TRUE(std::isnan(features[0]));
  EXPECT_EQ(features[1], 1e300);
  EXPECT_THROW((void)decoder.decode_into(bytes("1,2"), RecordPlace{&kOrigin, 0, 2}, labels, features),
               DataError);
}

TEST(CsvDecoder, AFieldCountMismatchNamesFileAndLine) {
  try {
    (void)decode_csv({"1,2,3", "4,5"});
    FAIL();
  } catch (const DataError& e) {
    EXPECT_STREQ(e.what(), "/opt/ml/input/data/train/a.csv line 2: expected 3 fields, found 2");
    EXPECT_EQ(e.origin(), kOrigin);
  }
  EXPECT_THROW((void)decode_csv({"1,2", "4,5,6"}), DataError);
}

TEST(CsvDecoder, ANonNumberNamesTheField) {
  try {
    (void)decode_csv({"1,2,3", "4,abc,6"});
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("a.csv line 2: field 2: \"abc\" is not a number"));
  }
  EXPECT_THROW((void)decode_csv({"1.5x,2"}), DataError);
  EXPECT_THROW((void)decode_csv({"\"1\"x,2"}), DataError);
  EXPECT_THROW((void)decode_csv({"\"unclosed,2"}), DataError);
}

TEST(CsvDecoder, SkipPolicyCountsAndKeepsGoodRows) {
  CsvDecodeOptions options;
  options.bad_records = BadRecordPolicy::kSkip;
  CsvDecoder decoder(options);
  DecodedRows out;
  std::uint64_t line = 1;
  for (const std::string row : {"1,2", "x,y", "3", "4,5"})
    decoder.decode(bytes(row), {&kOrigin, line, line++}, out);
  EXPECT_EQ(out.rows, 2U);
  EXPECT_EQ(decoder.bad_records(), 2U);
  EXPECT_THAT(out.features, ElementsAre(1, 2, 4, 5));
}

TEST(CsvDecoder, HeaderEmptyFieldAndDelimiterOptions) {
  CsvDecodeOptions options;
  options.header = true;
  options.delimiter = ';';
  const DecodedRows out = decode_csv({"a;b", "1;2"}, options);  // the first decode is at offset 0
  EXPECT_THAT(out.features, ElementsAre(1, 2));
  CsvDecodeOptions strict;
  strict.empty_is_nan = false;
  EXPECT_THROW((void)decode_csv({"1,,3"}, strict), DataError);
}

// Regression: spaces and tabs around a number were skipped before the delimiter was looked for, so
// a tab- or space-delimited row lost its delimiters ("1\t2" read as one field "1<tab>2").
TEST(CsvDecoder, TabAndSpaceDelimitersSeparateFields) {
  CsvDecodeOptions tabs;
  tabs.delimiter = '\t';
  tabs.label_size = 1;
  const DecodedRows tabbed = decode_csv({"1\t2\t3", " 4 \t 5\t6 ", "7\t\t9"}, tabs);
  EXPECT_EQ(tabbed.rows, 3U);
  EXPECT_THAT(tabbed.labels, ElementsAre(1, 4, 7));
  ASSERT_EQ(tabbed.features.size(), 6U);
  EXPECT_EQ(tabbed.features[2], 5);
  EXPECT_TRUE(std::isnan(tabbed.features[4]));  // two tabs: an empty field between them
  // A row of tabs alone is blank (skipped), as it is with any delimiter.
  EXPECT_EQ(decode_csv({"1\t2\t3", "\t\t", "4\t5\t6"}, tabs).rows, 2U);
}

// A space delimiter is whitespace-separated values (numpy.loadtxt's default): runs of spaces and
// tabs separate, the row's leading and trailing ones are ignored, so aligned columns read right.
TEST(CsvDecoder, ASpaceDelimiterSeparatesByRunsOfWhitespace) {
  CsvDecodeOptions spaces;
  spaces.delimiter = ' ';
  const DecodedRows spaced =
      decode_csv({"1 2 3", "\t4\t 5 6", "   7.5   -8.25    9 ", "   ", "\"10\" 11  \"12\""}, spaces);
  EXPECT_EQ(spaced.rows, 4U);
  EXPECT_THAT(spaced.features, ElementsAre(1, 2, 3, 4, 5, 6, 7.5, -8.25, 9, 10, 11, 12));
  EXPECT_THAT(csv_error({"1 2 3", "  1   2  "}, spaces),
              HasSubstr("a.csv line 2: expected 3 fields, found 2"));
  EXPECT_THAT(csv_error({"1 2 3", " 1  2 3   4 "}, spaces),
              HasSubstr("a.csv line 2: expected 3 fields, found 4"));
  EXPECT_THAT(csv_error({"1 2.5x 3"}, spaces), HasSubstr("a.csv line 1: field 2: \"2.5x\" is not a number"));
}

// Regression: a field's bytes were echoed raw: a NUL cut the message, an ANSI escape reached the
// terminal.
TEST(CsvDecoder, AFieldInAMessageHasItsControlBytesEscaped) {
  const std::string message = csv_error({std::string("1,2\0x\x1b[31mred\\q,3", 17)});
  EXPECT_THAT(message, HasSubstr("field 2: \"2\\x00x\\x1b[31mred\\x5cq\" is not a number")) << message;
  EXPECT_EQ(message.find('\x1b'), std::string::npos);
  EXPECT_EQ(message.find('\0'), std::string::npos);
}

// Regression: a bare sign decoded as 0 instead of being refused.
TEST(CsvDecoder, ASignAloneIsNotANumber) {
  for (const std::string row : {"1,+,3", "1,\"+\",3", "1, + ,3", "1,-,3"}) {
    try {
      (void)decode_csv({row});
      FAIL() << row << ": no error";
    } catch (const DataError& e) {
      EXPECT_THAT(e.what(), HasSubstr("a.csv line 1: field 2: ")) << row;
      EXPECT_THAT(e.what(), HasSubstr("is not a number")) << row;
    }
  }
}

TEST(CsvDecoder, AQuotedEmptyFieldIsAnEmptyField) {
  const DecodedRows out = decode_csv({"1,\"\",3", "4,\"  \",6"});
  ASSERT_EQ(out.features.size(), 6U);
  EXPECT_TRUE(std::isnan(out.features[1]));
  EXPECT_TRUE(std::isnan(out.features[4]));
  CsvDecodeOptions strict;
  strict.empty_is_nan = false;
  EXPECT_THAT(csv_error({"1,\"\",3"}, strict), HasSubstr("a.csv line 1: field 2 is empty"));
}

// Regression: the "found" count of a too-long row counted delimiters inside quoted fields.
TEST(CsvDecoder, TheFoundCountSkipsDelimitersInsideQuotes) {
  EXPECT_EQ(csv_error({"1,2,3", "1,2,3,\"4,5\""}),
            "/opt/ml/input/data/train/a.csv line 2: expected 3 fields, found 4");
}

// Regression (found by fuzz_csv_decoder under UBSan): rows made only of labels leave the features
// empty; no pointer may be formed outside them.
TEST(CsvDecoder, RowsOfOnlyLabels) {
  CsvDecodeOptions options;
  options.label_size = 2;
  const DecodedRows out = decode_csv({"1,2", "3,4"}, options);
  EXPECT_THAT(out.labels, ElementsAre(1, 2, 3, 4));
  EXPECT_TRUE(out.features.empty());
  EXPECT_EQ(out.columns, 0U);
}

TEST(CsvDecoder, LabelSizeLargerThanTheRowIsRefused) {
  CsvDecodeOptions options;
  options.label_size = 3;
  EXPECT_THROW((void)decode_csv({"1,2"}, options), DataError);
}

// ---- RecordIO-protobuf: messages built by hand with the SDK's field numbers --------------------

using chanload::testing::entry;
using chanload::testing::field;
using chanload::testing::packed_doubles;
using chanload::testing::packed_floats;
using chanload::testing::packed_varints;
using chanload::testing::varint;

RecordPlace place() { return RecordPlace{&kOrigin, 96, 0}; }

TEST(RecordIOProtobuf, DenseFloat32WithLabel) {
  RecordIOProtobufDecoder decoder;
  DecodedRows out;
  const std::string record = entry(1, 2, field(1, 2, packed_floats({1.5F, -2.0F, 3.25F}))) +
                             entry(2, 2, field(1, 2, packed_floats({7.0F})));
  decoder.decode(bytes(record), place(), out);
  decoder.decode(bytes(record), place(), out);
  EXPECT_EQ(out.rows, 2U);
  EXPECT_EQ(out.columns, 3U);
  EXPECT_FALSE(out.sparse);
  EXPECT_THAT(out.features, ElementsAre(1.5F, -2.0F, 3.25F, 1.5F, -2.0F, 3.25F));
  EXPECT_THAT(out.labels, ElementsAre(7.0F, 7.0F));
}

TEST(RecordIOProtobuf, UnpackedFloat64AndInt32InAnyOrderWithUnknownFields) {
  RecordIOProtobufDecoder decoder;
  DecodedRows out;
  double a = 0.5;
  double b = -4.0;
  const std::string tensor64 = field(1, 1, std::string(reinterpret_cast<const char*>(&a), 8)) +
                               field(9, 0, varint(5)) +
                               field(1, 1, std::string(reinterpret_cast<const char*>(&b), 8));
  const std::string label32 = field(1, 0, varint(static_cast<std::uint64_t>(static_cast<std::int64_t>(-3))));
  const std::string record =
      field(3, 2, "uid-1") + entry(2, 7, label32) + field(15, 0, varint(1)) + entry(1, 3, tensor64);
  decoder.decode(bytes(record), place(), out);
  EXPECT_THAT(out.features, ElementsAre(0.5F, -4.0F));
  EXPECT_THAT(out.labels, ElementsAre(-3.0F));
}

// float64 output keeps Float64 tensors whole and Int32 values exact; float32 output rounds both.
TEST(RecordIOProtobuf, Float64OutputKeepsFloat64AndInt32Exactly) {
  const std::string label32 = field(1, 2, packed_varints({16777217}));
  const std::string record =
      entry(1, 3, field(1, 2, packed_doubles({0.1, 1e300, -2.5}))) + entry(2, 7, label32);
  RecordIOProtobufDecoder wide;
  DecodedRowsF64 out;
  wide.decode(bytes(record), place(), out);
  wide.decode(bytes(record), place(), out);
  EXPECT_EQ(out.rows, 2U);
  EXPECT_EQ(out.columns, 3U);
  EXPECT_THAT(out.features, ElementsAre(0.1, 1e300, -2.5, 0.1, 1e300, -2.5));
  EXPECT_THAT(out.labels, ElementsAre(16777217.0, 16777217.0));

  RecordIOProtobufDecoder narrow;
  DecodedRows rounded;
  narrow.decode(bytes(record), place(), rounded);
  EXPECT_THAT(rounded.features, ElementsAre(0.1F, INFINITY, -2.5F));
  EXPECT_THAT(rounded.labels, ElementsAre(16777216.0F));

  // Float32 tensors widen exactly; unpacked Float64 values and negative Int32 too.
  double a = 0.1;
  const std::string mixed = entry(1, 2, field(1, 2, packed_floats({0.1F, 3.0F}))) +
                            entry(2, 7, field(1, 0, varint(static_cast<std::uint64_t>(std::int64_t{-7}))));
  const std::string unpacked = entry(1, 3, field(1, 1, std::string(reinterpret_cast<const char*>(&a), 8)));
  RecordIOProtobufDecoder widen;
  DecodedRowsF64 widened;
  widen.decode(bytes(mixed), place(), widened);
  EXPECT_THAT(widened.features, ElementsAre(static_cast<double>(0.1F), 3.0));
  EXPECT_THAT(widened.labels, ElementsAre(-7.0));
  RecordIOProtobufDecoder single;
  DecodedRowsF64 one;
  single.decode(bytes(unpacked), place(), one);
  EXPECT_THAT(one.features, ElementsAre(0.1));
}

TEST(RecordIOProtobuf, Float64SparseRowsAsCsrOrDensified) {
  const std::string record =
      entry(1, 3,
            field(1, 2, packed_doubles({0.1, 1e300})) + field(2, 2, packed_varints({1, 4})) +
                field(3, 2, packed_varints({6})));
  RecordIOProtobufDecoder csr;
  DecodedRowsF64 out;
  csr.decode(bytes(record), place(), out);
  EXPECT_TRUE(out.sparse);
  EXPECT_THAT(out.indices, ElementsAre(1, 4));
  EXPECT_THAT(out.values, ElementsAre(0.1, 1e300));
  RecordIOProtobufDecoder dense({true});
  DecodedRowsF64 densified;
  dense.decode(bytes(record), place(), densified);
  EXPECT_THAT(densified.features, ElementsAre(0, 0.1, 0, 0, 1e300, 0));
  // The densify bound counts 8 bytes a value: a row of 6 fits 48 bytes, not 47.
  RecordIOProtobufOptions tight{true, 47};
  RecordIOProtobufDecoder bounded(tight);
  EXPECT_THROW(bounded.decode(bytes(record), place(), densified), DataError);
  DecodedRows as_float32;
  RecordIOProtobufDecoder(tight).decode(bytes(record), place(), as_float32);  // 24 bytes: fits
  EXPECT_EQ(as_float32.features.size(), 6U);
}

TEST(RecordIOProtobuf, SparseRowsAsCsrOrDensified) {
  const std::string record =
      entry(1, 2,
            field(1, 2, packed_floats({1.0F, 2.0F})) + field(2, 2, packed_varints({1, 4})) +
                field(3, 2, packed_varints({6})));
  RecordIOProtobufDecoder csr;
  DecodedRows out;
  csr.decode(bytes(record), place(), out);
  csr.decode(bytes(record), place(), out);
  EXPECT_TRUE(out.sparse);
  EXPECT_EQ(out.columns, 6U);
  EXPECT_THAT(out.indptr, ElementsAre(0, 2, 4));
  EXPECT_THAT(out.indices, ElementsAre(1, 4, 1, 4));
  EXPECT_THAT(out.values, ElementsAre(1, 2, 1, 2));
  RecordIOProtobufDecoder dense({true});
  DecodedRows densified;
  dense.decode(bytes(record), place(), densified);
  EXPECT_FALSE(densified.sparse);
  EXPECT_THAT(densified.features, ElementsAre(0, 1, 0, 0, 2, 0));
}

// Regression (found by fuzz_recordio_protobuf): a shape from the data must not size an allocation.
TEST(RecordIOProtobuf, AHugeShapeCannotMakeDensifyAllocate) {
  const std::string record = entry(1, 2,
                                   field(1, 2, packed_floats({1.0F})) + field(2, 2, packed_varints({0})) +
                                       field(3, 2, packed_varints({std::uint64_t{1} << 40})));
  RecordIOProtobufOptions options;
  options.densify = true;
  options.max_row_bytes = 1 << 20;
  RecordIOProtobufDecoder decoder(options);
  DecodedRows out;
  try {
    decoder.decode(bytes(record), place(), out);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("would densify past max_row_bytes (1048576)"));
  }
  RecordIOProtobufDecoder csr;  // as CSR the width is only a number: fine
  DecodedRows sparse;
  csr.decode(bytes(record), place(), sparse);
  EXPECT_EQ(sparse.columns, std::size_t{1} << 40);
}

// Regression (found by fuzz_recordio_protobuf under UBSan): an empty packed values field.
TEST(RecordIOProtobuf, AnEmptyPackedFieldIsAnEmptyRow) {
  RecordIOProtobufDecoder decoder;
  DecodedRows out;
  decoder.decode(bytes(entry(1, 2, field(1, 2, ""))), place(), out);
  EXPECT_EQ(out.rows, 1U);
  EXPECT_EQ(out.columns, 0U);
}

TEST(RecordIOProtobuf, BadInputIsADataErrorNamingFileAndOffset) {
  RecordIOProtobufDecoder decoder;
  DecodedRows out;
  const auto error_of = [&](const std::string& record) -> std::string {
    RecordIOProtobufDecoder fresh;
    DecodedRows rows;
    try {
      fresh.decode(bytes(record), place(), rows);
    } catch (const DataError& e) {
      EXPECT_EQ(e.origin(), kOrigin);
      EXPECT_EQ(e.offset(), 96U);
      return e.what();
    }
    return "no error";
  };
  EXPECT_THAT(error_of(entry(1, 2, field(2, 2, packed_varints({1})))), HasSubstr("keys) without a shape"));
  EXPECT_THAT(error_of(entry(1, 2,
                             field(1, 2, packed_floats({1.0F})) + field(2, 2, packed_varints({9})) +
                                 field(3, 2, packed_varints({4})))),
              HasSubstr("key 9 outside the shape [4]"));
  EXPECT_THAT(error_of(field(1, 2, varint(200))), HasSubstr("runs past the end"));
  EXPECT_THAT(error_of(field(1, 2, field(1, 2, "other") + field(2, 2, ""))), HasSubstr("only \"values\""));
  EXPECT_THAT(error_of(std::string("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 11)), HasSubstr("varint"));
  // A record whose width differs from the first one's.
  decoder.decode(bytes(entry(1, 2, field(1, 2, packed_floats({1, 2})))), place(), out);
  EXPECT_THROW(decoder.decode(bytes(entry(1, 2, field(1, 2, packed_floats({1, 2, 3})))), place(), out),
               DataError);
}

}  // namespace
}  // namespace chanload::format
