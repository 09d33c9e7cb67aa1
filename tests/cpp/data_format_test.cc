// Which record format a channel's ContentType and RecordWrapperType select.
#include "format/data_format.h"

#include <chanload/errors.h>
#include <gtest/gtest.h>

namespace chanload::format {
namespace {

ChannelConfig channel(const std::string& content_type, RecordWrapper wrapper = RecordWrapper::kNone) {
  ChannelConfig config;
  config.name = "train";
  if (!content_type.empty()) config.content_type = ContentType::parse(content_type);
  config.record_wrapper = wrapper;
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
// RecordIO (each object one record) was parsed as CSV and failed on the RecordIO magic.
TEST(DataFormat, ARecordIOWrapperMeansRecordIOFramingWhateverTheContentType) {
  EXPECT_EQ(resolve_data_format(channel("text/csv", RecordWrapper::kRecordIO), {}), DataFormat::kRecordIO);
  EXPECT_EQ(resolve_data_format(channel("image/jpeg", RecordWrapper::kRecordIO), {}), DataFormat::kRecordIO);
  EXPECT_EQ(resolve_data_format(channel("", RecordWrapper::kRecordIO), {}), DataFormat::kRecordIO);
  // RecordIO-protobuf is RecordIO framing already: it stays decoded as protobuf.
  EXPECT_EQ(resolve_data_format(channel("application/x-recordio-protobuf", RecordWrapper::kRecordIO), {}),
            DataFormat::kRecordIOProtobuf);
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
