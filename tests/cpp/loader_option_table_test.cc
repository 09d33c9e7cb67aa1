// The one table of loader options: every field reachable by name, defaults that are LoaderOptions{}'s,
// one spelling both ways, and the checks the command and Python share.
#include <chanload/errors.h>
#include <chanload/loader_option_table.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "format/data_format.h"
#include "test_tree.h"

namespace chanload {
namespace {

using ::testing::HasSubstr;

TEST(LoaderOptionTable, NamesAreUniqueAndEachDefaultIsTheStructsOwn) {
  std::set<std::string_view> names;
  const LoaderOptions defaults;
  for (const LoaderOptionSpec& spec : loader_option_specs()) {
    EXPECT_TRUE(names.insert(spec.name).second) << spec.name;
    EXPECT_EQ(spec.default_text, loader_option_text(defaults, spec.name)) << spec.name;
    EXPECT_FALSE(spec.help.empty()) << spec.name;
    EXPECT_EQ(find_loader_option(spec.name), &spec);
  }
  EXPECT_EQ(find_loader_option("batch_size")->default_text, "1024");
  EXPECT_EQ(find_loader_option("pipe_timeout")->default_text, "600");
  EXPECT_EQ(find_loader_option("mode")->default_text, "");  // from the channel
  EXPECT_EQ(find_loader_option("resume")->kind, LoaderOptionKind::kState);
  EXPECT_EQ(find_loader_option("no_such_option"), nullptr);
  EXPECT_EQ(command_flag("memory_budget_bytes"), "--memory-budget-bytes");
}

// Setting an option to a value its getter spells, and reading it back, gives the same text: the
// table's parse and to_string agree for every option and every choice.
TEST(LoaderOptionTable, EveryOptionRoundTripsThroughItsText) {
  const std::map<std::string_view, std::string> sample{{"label_size", "3"},
                                                       {"delimiter", "|"},
                                                       {"quote", "'"},
                                                       {"batch_size", "7"},
                                                       {"epochs", "0"},
                                                       {"seed", "18446744073709551615"},
                                                       {"shuffle_window", "100"},
                                                       {"interleave", "16"},
                                                       {"objects_in_flight", "5"},
                                                       {"num_shards", "4"},
                                                       {"shard_index", "2"},
                                                       {"threads", "3"},
                                                       {"prefetch_batches", "9"},
                                                       {"memory_budget_bytes", "123456789"},
                                                       {"max_record_bytes", "4096"},
                                                       {"device", "cuda:1"},
                                                       {"pipe_timeout", "2.5"}};
  for (const LoaderOptionSpec& spec : loader_option_specs()) {
    std::vector<std::string> values;
    switch (spec.kind) {
      case LoaderOptionKind::kFlag:
        values = {"true", "false"};
        break;
      case LoaderOptionKind::kChoice:
        values.assign(spec.choices.begin(), spec.choices.end());
        break;
      case LoaderOptionKind::kState: {
        LoaderState state;
        state.epoch = 2;
        state.position = 8;
        values = {state.to_json()};
        break;
      }
      default:
        values = {sample.at(spec.name)};
    }
    for (const std::string& value : values) {
      LoaderOptionsBuilder builder;
      builder.set(spec.name, value);
      EXPECT_EQ(loader_option_text(builder.build(), spec.name), value) << spec.name;
    }
  }
}

TEST(LoaderOptionTable, FormatChoicesAreTheFormatsTheLoaderKnows) {
  const auto& formats = find_loader_option("format")->choices;
  for (const std::string_view name : formats) EXPECT_TRUE(format::parse_data_format(name)) << name;
  for (const auto format :
       {format::DataFormat::kCsv, format::DataFormat::kRecordIOProtobuf, format::DataFormat::kRecordIO,
        format::DataFormat::kTFRecord, format::DataFormat::kLines})
    EXPECT_NE(std::find(formats.begin(), formats.end(), format::to_string(format)), formats.end());
}

TEST(LoaderOptionTable, ValuesOfTheWrongKindOrRangeAreRefusedByName) {
  LoaderOptionsBuilder builder;
  EXPECT_THAT(testing::config_error_of([&] { builder.set("batch_size", std::string("-1")); }),
              HasSubstr("loader option batch_size: \"-1\" is not a whole number"));
  EXPECT_THAT(testing::config_error_of([&] { builder.set("batch_size", std::string("1e3")); }),
              HasSubstr("batch_size"));
  EXPECT_THAT(testing::config_error_of([&] { builder.set("batch_size", true); }),
              HasSubstr("loader option batch_size: takes a whole number"));
  EXPECT_THAT(testing::config_error_of([&] { builder.set("header", std::string("yes")); }),
              HasSubstr("loader option header: \"yes\" is not true or false"));
  EXPECT_THAT(testing::config_error_of([&] { builder.set("pipe_timeout", 0.0); }),
              HasSubstr("loader option pipe_timeout: 0 is not a number of seconds"));
  EXPECT_THAT(testing::config_error_of([&] { builder.set("pipe_timeout", std::string("nan")); }),
              HasSubstr("pipe_timeout"));
  EXPECT_THAT(testing::config_error_of([&] { builder.set("pipe_timeout", 1e10); }), HasSubstr("(0, 1e9]"));
  EXPECT_THAT(testing::config_error_of([&] { builder.set("delimiter", std::string("||")); }),
              HasSubstr("loader option delimiter: one character"));
  EXPECT_THAT(testing::config_error_of([&] { builder.set("format", std::string("parquet")); }),
              HasSubstr("\"parquet\" is not csv, recordio-protobuf, recordio, tfrecord or lines"));
  EXPECT_THAT(testing::config_error_of([&] { builder.set("recordio_join", std::string("both")); }),
              HasSubstr("is not aws or dmlc"));
  EXPECT_THAT(testing::config_error_of([&] { builder.set("mode", std::string("FastFile")); }),
              HasSubstr("is not File or Pipe"));
  EXPECT_THAT(testing::config_error_of([&] { builder.set("resume", std::string("{}")); }),
              HasSubstr("loader state"));
  EXPECT_THAT(testing::config_error_of([&] { builder.set("batchsize", std::uint64_t{4}); }),
              HasSubstr("no loader option is named \"batchsize\""));
  // A count given as a number, a number of seconds as a whole number: both taken.
  builder.set("batch_size", std::uint64_t{4});
  builder.set("pipe_timeout", std::uint64_t{3});
  builder.set("mode", std::string("pipe"));  // the command's historical spelling
  const LoaderOptions options = builder.build();
  EXPECT_EQ(options.batch_size, 4U);
  EXPECT_EQ(options.pipe_timeout, std::chrono::seconds(3));
  EXPECT_EQ(options.mode, InputMode::kPipe);
}

// drop_last is last_batch "drop": given with another last_batch it contradicts it, in whichever
// order the two are given, in every caller (the command, Python, C++ code using the builder).
TEST(LoaderOptionTable, DropLastAgainstLastBatchIsRefusedInEitherOrder) {
  {
    LoaderOptionsBuilder builder;
    builder.set("drop_last", true);
    EXPECT_EQ(builder.build().last_batch, LastBatch::kDrop);
    builder.set("last_batch", std::string("drop"));
    EXPECT_EQ(builder.build().last_batch, LastBatch::kDrop);
  }
  for (const bool drop_last_first : {true, false}) {
    LoaderOptionsBuilder builder;
    if (drop_last_first) builder.set("drop_last", true);
    builder.set("last_batch", std::string("keep"));
    if (!drop_last_first) builder.set("drop_last", true);
    EXPECT_THAT(testing::config_error_of([&] { (void)builder.build(); }),
                HasSubstr("loader option drop_last: true contradicts last_batch \"keep\""));
  }
  LoaderOptionsBuilder pad;
  pad.set("last_batch", std::string("pad"));
  pad.set("drop_last", false);
  EXPECT_EQ(pad.build().last_batch, LastBatch::kPad);
}

TEST(LoaderOptionTable, TheBuilderStartsFromTheOptionsItIsGiven) {
  LoaderOptions start;
  start.batch_size = 99;
  start.last_batch = LastBatch::kPad;
  LoaderOptionsBuilder builder(start);
  builder.set("epochs", std::string("3"));
  const LoaderOptions options = builder.build();
  EXPECT_EQ(options.batch_size, 99U);
  EXPECT_EQ(options.last_batch, LastBatch::kPad);
  EXPECT_EQ(options.epochs, 3U);
}

}  // namespace
}  // namespace chanload
