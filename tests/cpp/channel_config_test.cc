#include <chanload/environment.h>
#include <chanload/errors.h>

#include <gtest/gtest.h>

#include "env/channel_config.h"

namespace chanload {
namespace {

TEST(ContentType, SplitsParametersOnSemicolonsAndTrims) {
  const ContentType knn = ContentType::parse("text/csv; label_size=1");
  EXPECT_EQ(knn.media_type, "text/csv");
  EXPECT_EQ(knn.parameter("label_size"), "1");
  const ContentType compact = ContentType::parse("Text/CSV;Label_Size=2;charset=\"utf-8\";");
  EXPECT_EQ(compact.media_type, "text/csv");
  EXPECT_EQ(compact.parameter("LABEL_SIZE"), "2");
  EXPECT_EQ(compact.parameter("charset"), "utf-8");
  EXPECT_EQ(compact.raw, "Text/CSV;Label_Size=2;charset=\"utf-8\";");
  EXPECT_FALSE(compact.parameter("csv_weights").has_value());
  EXPECT_EQ(ContentType::parse("application/x-recordio-protobuf").parameters.size(), 0U);
}

TEST(ContentType, RefusesTextWithoutAMediaTypeOrAParameterWithoutValue) {
  EXPECT_THROW(ContentType::parse(" ; label_size=1"), ConfigError);
  EXPECT_THROW(ContentType::parse("text/csv; label_size"), ConfigError);
}

TEST(ChannelName, AcceptsThePlatformsAlphabetOnly) {
  EXPECT_EQ(env::check_channel_name("train"), "");
  EXPECT_EQ(env::check_channel_name("val.x-1_2"), "");
  EXPECT_EQ(env::check_channel_name(std::string(64, 'a')), "");
  EXPECT_NE(env::check_channel_name(std::string(65, 'a')), "");
  EXPECT_NE(env::check_channel_name(""), "");
  EXPECT_NE(env::check_channel_name("a/b"), "");
  EXPECT_NE(env::check_channel_name(".."), "");
  EXPECT_NE(env::check_channel_name("."), "");
  EXPECT_NE(env::check_channel_name("a..b"), "");
  EXPECT_NE(env::check_channel_name(std::string("a\0b", 3)), "");
}

TEST(ChannelConfigEnums, PrintThePlatformsNames) {
  EXPECT_EQ(to_string(InputMode::kFastFile), "FastFile");
  EXPECT_EQ(to_string(S3Distribution::kShardedByS3Key), "ShardedByS3Key");
  EXPECT_EQ(to_string(RecordWrapper::kRecordIO), "RecordIO");
  EXPECT_EQ(to_string(Compression::kGzip), "Gzip");
}

}  // namespace
}  // namespace chanload
