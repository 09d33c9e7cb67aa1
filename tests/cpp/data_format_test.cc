// Which record format a channel's ContentType and RecordWrapperType select.
#include "format/data_format.h"

#include <chanload/errors.h>
#include <gtest/gtest.h>

namespace chanload::format {
namespace {

ChannelConfig channel(const std::string& content_type, RecordWrapper wrapper = RecordWrapper::kNone,
                      InputMode mode = InputMode::kFile) {
  ChannelConfig config;
  config.name = "train";
  if (!content_type.empty()) config.content_type = ContentType::parse(content_type);
  config.record_wrapper = wrapper;
  config.mode = mode;
  return config;
}

TEST(DataFormat, TheContentTypeSelectsTheFormat) {
  EXPECT_EQ(resolve_data_format(channel("text/csv; label_size=1"), {}), DataFormat::kCsv);
  EXPECT_EQ(resolve_data_format(channel("application/x-recordio-protobuf"), {}),
            DataFormat::kRecordIOProtobuf);
  EXPECT_EQ(resolve_data_format(channel("application/x-recordio"), {}), DataFormat::kRecordIO);
  EXPECT_EQ(resolve_data_format(channel("application/x-tfrecord"), {}), DataFormat::kTFRecord);
  EXPECT_EQ(resolve_data_format(channel("text/plain"), {}), DataFormat::kLines);
  EXPECT_EQ(resolve_data_format(channel("application/jsonlines"), {}), DataFormat::kLines);
  EXPECT_EQ(resolve_data_format(channel("text/csv"), DataFormat::kLines), DataFormat::kLines);
}

// Regression: text/csv was checked before the wrapper, so a CSV channel that the platform wraps in
// RecordIO (Pipe mode: each object one record) was parsed as CSV and failed on the RecordIO magic.
TEST(DataFormat, ARecordIOWrapperMeansRecordIOFramingInPipeMode) {
  const RecordWrapper wrap = RecordWrapper::kRecordIO;
  const InputMode pipe = InputMode::kPipe;
  EXPECT_EQ(resolve_data_format(channel("text/csv", wrap, pipe), {}), DataFormat::kRecordIO);
  EXPECT_EQ(resolve_data_format(channel("image/jpeg", wrap, pipe), {}), DataFormat::kRecordIO);
  EXPECT_EQ(resolve_data_format(channel("", wrap, pipe), {}), DataFormat::kRecordIO);
  // RecordIO-protobuf is RecordIO framing already: it stays decoded as protobuf.
  EXPECT_EQ(resolve_data_format(channel("application/x-recordio-protobuf", wrap, pipe), {}),
            DataFormat::kRecordIOProtobuf);
  // File mode wraps nothing (the files are the objects): the ContentType decides, unless the
  // loader reads the channel as Pipe.
  EXPECT_EQ(resolve_data_format(channel("text/csv", wrap), {}), DataFormat::kCsv);
  EXPECT_EQ(resolve_data_format(channel("text/csv", wrap), {}, pipe), DataFormat::kRecordIO);
  EXPECT_EQ(resolve_data_format(channel("text/csv", wrap, pipe), {}, InputMode::kFile), DataFormat::kCsv);
  EXPECT_THROW((void)resolve_data_format(channel("image/jpeg", wrap), {}), ConfigError);
}

TEST(DataFormat, AnUnknownContentTypeNeedsANamedFormat) {
  try {
    (void)resolve_data_format(channel("image/jpeg"), {});
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("channel \"train\": its ContentType \"image/jpeg\""),
              std::string::npos);
  }
  EXPECT_THROW((void)resolve_data_format(channel(""), {}), ConfigError);
}

}  // namespace
}  // namespace chanload::format
