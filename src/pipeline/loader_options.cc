#include <chanload/errors.h>
#include <chanload/loader_options.h>

#include <nlohmann/json.hpp>

#include "format/data_format.h"
#include "format/framer.h"
#include "memory/device_transfer.h"

namespace chanload {
namespace {

constexpr std::uint64_t kStateVersion = 4;

void refuse(const std::string& option, const std::string& why) {
  throw ConfigError("loader option " + option + ": " + why);
}

}  // namespace

DType parse_dtype(std::string_view name) {
  if (name == "float32") return DType::kFloat32;
  if (name == "float64") return DType::kFloat64;
  throw ConfigError("loader option dtype: \"" + std::string(name) + "\" is not float32 or float64");
}

std::string_view to_string(LastBatch last_batch) {
  switch (last_batch) {
    case LastBatch::kKeep:
      return "keep";
    case LastBatch::kDrop:
      return "drop";
    case LastBatch::kPad:
      return "pad";
  }
  return "?";
}

LastBatch parse_last_batch(std::string_view name) {
  for (const LastBatch value : {LastBatch::kKeep, LastBatch::kDrop, LastBatch::kPad}) {
    if (name == to_string(value)) return value;
  }
  throw ConfigError("loader option last_batch: \"" + std::string(name) + "\" is not keep, drop or pad");
}

std::string_view to_string(BadRecords bad_records) {
  switch (bad_records) {
    case BadRecords::kError:
      return "error";
    case BadRecords::kSkip:
      return "skip";
    case BadRecords::kWarn:
      return "warn";
  }
  return "?";
}

BadRecords parse_bad_records(std::string_view name) {
  for (const BadRecords value : {BadRecords::kError, BadRecords::kSkip, BadRecords::kWarn}) {
    if (name == to_string(value)) return value;
  }
  throw ConfigError("loader option bad_records: \"" + std::string(name) + "\" is not error, skip or warn");
}

InputMode parse_loader_mode(std::string_view name) {
  if (name == "File" || name == "file") return InputMode::kFile;
  if (name == "Pipe" || name == "pipe") return InputMode::kPipe;
  throw ConfigError("loader option mode: \"" + std::string(name) +
                    "\" is not File or Pipe (FastFile channels are read as File)");
}

void LoaderOptions::validate() const {
  if (!format.empty() && !format::parse_data_format(format)) {
    refuse("format", "\"" + format + "\" is not one of csv, recordio-protobuf, recordio, tfrecord, lines");
  }
  if (dtype != DType::kFloat32 && dtype != DType::kFloat64) refuse("dtype", "neither float32 nor float64");
  if (mode == InputMode::kFastFile) refuse("mode", "FastFile is read as File; ask for File or Pipe");
  if (batch_size == 0) refuse("batch_size", "must be at least 1");
  if (batch_size > (std::size_t{1} << 24)) refuse("batch_size", "above 16777216 records");
  if (delimiter == quote) refuse("delimiter", "the same character as the quote");
  // A character that can be part of a number, or padding, cannot quote or delimit: the framer and
  // the decoder would split or join fields where the number is.
  const auto in_numbers = [](char c) { return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'; };
  if (in_numbers(delimiter)) refuse("delimiter", std::string("'") + delimiter + "' can be part of a number");
  if (in_numbers(quote) || quote == ' ' || quote == '\t')
    refuse("quote", std::string("'") + quote + "' can be part of a number or the padding around one");
  if (delimiter == '\n' || delimiter == '\r' || quote == '\n' || quote == '\r')
    refuse("delimiter", "a line break cannot delimit fields or quote them");
  if (num_shards.has_value() != shard_index.has_value())
    refuse("num_shards", "give shard_index with it (or neither)");
  if (num_shards && *num_shards == 0) refuse("num_shards", "must be at least 1");
  if (num_shards && *shard_index >= *num_shards) {
    refuse("shard_index",
           std::to_string(*shard_index) + " is not below num_shards " + std::to_string(*num_shards));
  }
  if (threads > 256) refuse("threads", "above 256");
  if (objects_in_flight > 256) refuse("objects_in_flight", "above 256");
  if (interleave == 0) refuse("interleave", "must be at least 1");
  if (interleave > 4096) refuse("interleave", "above 4096 objects");
  // Every record in the window is held (at least a slot of 64 bytes besides its payload): a window
  // whose slots alone pass the budget could never be honoured.
  if (shuffle_window > memory_budget_bytes / 64) {
    refuse("shuffle_window", std::to_string(shuffle_window) +
                                 " records would take more than memory_budget_bytes (" +
                                 std::to_string(memory_budget_bytes) +
                                 " bytes) at 64 bytes a record before "
                                 "their payloads: lower it or raise the budget");
  }
  if (prefetch_batches == 0) refuse("prefetch_batches", "must be at least 1");
  if (max_record_bytes == 0) refuse("max_record_bytes", "must be at least 1 byte");
  if (max_record_bytes > format::kMaxRecordBytesLimit) {
    refuse("max_record_bytes", std::to_string(max_record_bytes) + " bytes is above the limit of " +
                                   std::to_string(format::kMaxRecordBytesLimit) + " bytes (1 TiB)");
  }
  if (memory_budget_bytes < (std::size_t{1} << 20)) refuse("memory_budget_bytes", "below 1 MiB");
  if (pipe_timeout.count() <= 0) refuse("pipe_timeout", "must be positive");
  (void)memory::parse_device(device);  // throws ConfigError naming what it expects
  if (resume) {
    if (resume->batch_size != batch_size) {
      refuse("resume", "the state was saved with batch_size " + std::to_string(resume->batch_size) +
                           ", this loader has " + std::to_string(batch_size));
    }
    if (resume->shuffle_window != shuffle_window) {
      refuse("resume", "the state was saved with shuffle_window " + std::to_string(resume->shuffle_window) +
                           ", this loader has " + std::to_string(shuffle_window));
    }
    // A version-1 state (no channel recorded) did not keep the flag, and without a window it
    // changes nothing.
    if (!resume->channel.empty() && shuffle_window > 0 &&
        resume->reshuffle_each_epoch != reshuffle_each_epoch) {
      refuse("resume", std::string("the state was saved with reshuffle_each_epoch ") +
                           (resume->reshuffle_each_epoch ? "true" : "false") + ", this loader has " +
                           (reshuffle_each_epoch ? "true" : "false"));
    }
    const std::uint64_t alternating = shuffle_window > 0 ? interleave : 1;
    if (resume->interleave == 0 && shuffle_window > 0) {
      refuse("resume",
             "the state (version 1 or 2) was saved by a chanload whose shuffle read the objects in stored "
             "order, which this one does not reproduce; resume it without shuffling, or start the epoch "
             "over with a new state");
    }
    if (resume->interleave != 0 && resume->interleave != alternating) {
      refuse("resume", "the state was saved with the records of " + std::to_string(resume->interleave) +
                           " objects alternating, this loader alternates " + std::to_string(alternating) +
                           " (interleave while shuffling, else 1)");
    }
    if (seed && *seed != resume->seed) {
      refuse("resume", "the state was saved with seed " + std::to_string(resume->seed) +
                           ", this loader has " + std::to_string(*seed));
    }
    if (epochs != 0 && resume->epoch > epochs) {
      refuse("resume", "the state is in epoch " + std::to_string(resume->epoch) + ", past epochs " +
                           std::to_string(epochs));
    }
  }
}

std::string LoaderState::to_json() const {
  const nlohmann::ordered_json json = {
      {"version", kStateVersion},
      {"epoch", epoch},
      {"position", position},
      {"seed", seed},
      {"num_shards", num_shards},
      {"shard_index", shard_index},
      {"batch_size", batch_size},
      {"shuffle_window", shuffle_window},
      {"reshuffle_each_epoch", reshuffle_each_epoch},
      {"interleave", interleave},
      {"channel", channel},
      {"data", data},
      {"piece_bytes", piece_bytes},
  };
  return json.dump();
}

LoaderState LoaderState::from_json(std::string_view text) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(std::string("loader state: not JSON: ") + e.what());
  }
  if (!json.is_object()) throw ConfigError("loader state: expected a JSON object");
  const auto version_field = json.find("version");
  const std::uint64_t version = version_field != json.end() && version_field->is_number_unsigned()
                                    ? version_field->get<std::uint64_t>()
                                    : 0;
  if (version < 1 || version > kStateVersion) {
    throw ConfigError("loader state: version " + json.value("version", nlohmann::json()).dump() +
                      ", this chanload reads versions 1 to " + std::to_string(kStateVersion));
  }
  const auto field = [&](const char* name) -> std::uint64_t {
    const auto it = json.find(name);
    if (it == json.end() || !it->is_number_unsigned()) {
      throw ConfigError(std::string("loader state: \"") + name + "\" missing or not a non-negative integer");
    }
    return it->get<std::uint64_t>();
  };
  LoaderState state;
  state.epoch = field("epoch");
  state.position = field("position");
  state.seed = field("seed");
  state.num_shards = field("num_shards");
  state.shard_index = field("shard_index");
  state.batch_size = field("batch_size");
  state.shuffle_window = field("shuffle_window");
  if (version >= 2) {
    const auto string_field = [&](const char* name) -> std::string {
      const auto it = json.find(name);
      if (it == json.end() || !it->is_string())
        throw ConfigError(std::string("loader state: \"") + name + "\" missing or not a string");
      return it->get<std::string>();
    };
    const auto flag = json.find("reshuffle_each_epoch");
    if (flag == json.end() || !flag->is_boolean())
      throw ConfigError("loader state: \"reshuffle_each_epoch\" missing or not true/false");
    state.reshuffle_each_epoch = flag->get<bool>();
    state.channel = string_field("channel");
    state.data = string_field("data");
  }
  state.interleave = 0;
  if (version >= 3) {
    state.interleave = field("interleave");
    if (state.interleave == 0) throw ConfigError("loader state: \"interleave\" must be at least 1");
  }
  if (version >= 4) state.piece_bytes = field("piece_bytes");
  if (state.num_shards == 0 || state.shard_index >= state.num_shards)
    throw ConfigError("loader state: shard_index not below num_shards");
  return state;
}

}  // namespace chanload
