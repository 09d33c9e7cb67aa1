// Which record format a channel carries: named by the user, or read off its ContentType and
// RecordWrapperType.
#pragma once

#include <chanload/environment.h>

#include <optional>
#include <string>
#include <string_view>

#include "format/framer.h"

namespace chanload::format {

enum class DataFormat { kCsv, kRecordIOProtobuf, kRecordIO, kTFRecord, kLines };

std::string_view to_string(DataFormat format);
// How a format's records are framed: RecordIO-protobuf is RecordIO framing around protobuf payloads.
RecordFormat record_format_of(DataFormat format);
// "csv", "recordio-protobuf", "recordio", "tfrecord", "lines"; nullopt for anything else.
std::optional<DataFormat> parse_data_format(std::string_view name);

// requested when given; else from the channel: application/x-recordio-protobuf -> recordio-protobuf,
// application/x-recordio, or RecordWrapperType=RecordIO in Pipe mode (any other ContentType, text/csv
// included: the platform wrapped each object as a record) -> recordio, text/csv -> csv,
// application/x-tfrecord -> tfrecord, text/plain and application/jsonlines -> lines. mode: the mode
// the channel is read in (default: its TrainingInputMode). Throws ConfigError naming the channel and
// its ContentType when neither decides.
DataFormat resolve_data_format(const ChannelConfig& channel, std::optional<DataFormat> requested,
                               std::optional<InputMode> mode = std::nullopt);

// label_size from the content type's parameter (text/csv;label_size=1), else nullopt.
std::optional<std::size_t> label_size_from(const ChannelConfig& channel);

}  // namespace chanload::format
