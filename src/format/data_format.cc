#include "format/data_format.h"

#include <chanload/errors.h>

#include <charconv>

namespace chanload::format {

std::string_view to_string(DataFormat format) {
  switch (format) {
    case DataFormat::kCsv:
      return "csv";
    case DataFormat::kRecordIOProtobuf:
      return "recordio-protobuf";
    case DataFormat::kRecordIO:
      return "recordio";
    case DataFormat::kTFRecord:
      return "tfrecord";
    case DataFormat::kLines:
      return "lines";
  }
  return "?";
}

std::optional<DataFormat> parse_data_format(std::string_view name) {
  for (DataFormat f : {DataFormat::kCsv, DataFormat::kRecordIOProtobuf, DataFormat::kRecordIO,
                       DataFormat::kTFRecord, DataFormat::kLines}) {
    if (name == to_string(f)) return f;
  }
  return std::nullopt;
}

DataFormat resolve_data_format(const ChannelConfig& channel, std::optional<DataFormat> requested,
                               std::optional<InputMode> mode) {
  if (requested) return *requested;
  const std::string type = channel.content_type ? channel.content_type->media_type : std::string();
  if (type == "application/x-recordio-protobuf") return DataFormat::kRecordIOProtobuf;
  // RecordWrapperType=RecordIO: in Pipe mode the platform wraps each object (of whatever
  // ContentType, CSV included) as one RecordIO record, so the FIFO carries RecordIO framing. File
  // mode does no wrapping (the API says to leave the field None there): the files are the objects.
  const bool wrapped =
      channel.record_wrapper == RecordWrapper::kRecordIO && mode.value_or(channel.mode) == InputMode::kPipe;
  if (type == "application/x-recordio" || wrapped) return DataFormat::kRecordIO;
  if (type == "text/csv") return DataFormat::kCsv;
  if (type == "application/x-tfrecord") return DataFormat::kTFRecord;
  if (type == "text/plain" || type == "application/jsonlines" || type == "application/x-jsonlines") {
    return DataFormat::kLines;
  }
  throw ConfigError(
      "channel \"" + channel.name + "\": its ContentType " +
      (channel.content_type ? "\"" + channel.content_type->raw + "\"" : std::string("(none)")) +
      " does not say the record format; name one (csv, recordio-protobuf, recordio, tfrecord, lines)");
}

std::optional<std::size_t> label_size_from(const ChannelConfig& channel) {
  if (!channel.content_type) return std::nullopt;
  const auto text = channel.content_type->parameter("label_size");
  if (!text) return std::nullopt;
  std::size_t value = 0;
  const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size()) {
    throw ConfigError("channel \"" + channel.name + "\": ContentType \"" + channel.content_type->raw +
                      "\" has label_size=" + *text + ", expected a whole number");
  }
  return value;
}

}  // namespace chanload::format

namespace chanload::format {

RecordFormat record_format_of(DataFormat format) {
  switch (format) {
    case DataFormat::kCsv:
      return RecordFormat::kCsv;
    case DataFormat::kLines:
      return RecordFormat::kLines;
    case DataFormat::kTFRecord:
      return RecordFormat::kTFRecord;
    case DataFormat::kRecordIO:
    case DataFormat::kRecordIOProtobuf:
      return RecordFormat::kRecordIO;
  }
  return RecordFormat::kRecordIO;
}

}  // namespace chanload::format
