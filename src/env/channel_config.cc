#include "env/channel_config.h"

#include <chanload/errors.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "env/config_file.h"

namespace chanload {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && lower(a) == lower(b);
}

// Reads key as one of the named choices; absent keys keep the default.
template <typename Enum, std::size_t N>
Enum read_choice(const Value& channel, const char* key,
                 const std::array<std::pair<std::string_view, Enum>, N>& choices, Enum fallback,
                 const std::string& file, const std::string& name) {
  const Value* value = channel.find(key);
  if (value == nullptr) return fallback;
  std::string expected;
  for (std::size_t i = 0; i < N; ++i) {
    if (value->is_string() && equals_ignore_case(value->as_string(), choices[i].first)) {
      return choices[i].second;
    }
    expected += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(choices[i].first);
  }
  throw ConfigError(
      file + ": channel \"" + name + "\": " + key + " is " + value->to_json() + ", expected " + expected,
      file);
}

}  // namespace

std::string_view to_string(InputMode mode) {
  switch (mode) {
    case InputMode::kFile:
      return "File";
    case InputMode::kPipe:
      return "Pipe";
    case InputMode::kFastFile:
      return "FastFile";
  }
  return "?";
}

std::string_view to_string(S3Distribution distribution) {
  return distribution == S3Distribution::kFullyReplicated ? "FullyReplicated" : "ShardedByS3Key";
}

std::string_view to_string(RecordWrapper wrapper) {
  return wrapper == RecordWrapper::kNone ? "None" : "RecordIO";
}

std::string_view to_string(Compression compression) {
  return compression == Compression::kNone ? "None" : "Gzip";
}

ContentType ContentType::parse(std::string_view text) {
  ContentType type;
  type.raw = std::string(text);
  std::size_t start = 0;
  bool first = true;
  while (start <= text.size()) {
    std::size_t end = text.find(';', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view part = trim(text.substr(start, end - start));
    start = end + 1;
    if (first) {
      first = false;
      if (part.empty()) throw ConfigError("content type \"" + type.raw + "\" has no media type");
      type.media_type = lower(part);
      continue;
    }
    if (part.empty()) continue;  // "text/csv;" and "a;;b" carry empty parameters: nothing to keep
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      throw ConfigError("content type \"" + type.raw + "\": parameter \"" + std::string(part) +
                        "\" has no '='");
    }
    std::string_view value = trim(part.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    type.parameters.emplace_back(lower(trim(part.substr(0, eq))), std::string(value));
  }
  return type;
}

std::optional<std::string> ContentType::parameter(std::string_view name) const {
  const std::string wanted = lower(name);
  for (const auto& [key, value] : parameters) {
    if (key == wanted) return value;
  }
  return std::nullopt;
}

namespace env {

std::string check_channel_name(std::string_view name) {
  if (name.empty()) return "a channel name cannot be empty";
  if (name.size() > 64) return "a channel name has at most 64 characters";
  for (char c : name) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
    if (!ok || static_cast<unsigned char>(c) >= 0x80) {
      return "a channel name has only the characters A-Z a-z 0-9 . - _";
    }
  }
  if (name == "." || name.find("..") != std::string_view::npos) {
    return "a channel name cannot be \".\" or contain \"..\" (it would leave input/data)";
  }
  return {};
}

std::vector<ChannelConfig> parse_channels(const Value& config, const std::string& data_dir,
                                          const std::string& file) {
  if (!config.is_dict()) {
    throw ConfigError(file + ": expected a JSON object of channels, found " + config.to_json(), file);
  }
  static constexpr std::array<std::pair<std::string_view, InputMode>, 3> kModes{
      {{"File", InputMode::kFile}, {"Pipe", InputMode::kPipe}, {"FastFile", InputMode::kFastFile}}};
  static constexpr std::array<std::pair<std::string_view, S3Distribution>, 2> kDistributions{
      {{"FullyReplicated", S3Distribution::kFullyReplicated},
       {"ShardedByS3Key", S3Distribution::kShardedByS3Key}}};
  static constexpr std::array<std::pair<std::string_view, RecordWrapper>, 2> kWrappers{
      {{"None", RecordWrapper::kNone}, {"RecordIO", RecordWrapper::kRecordIO}}};
  static constexpr std::array<std::pair<std::string_view, Compression>, 2> kCompressions{
      {{"None", Compression::kNone}, {"Gzip", Compression::kGzip}}};

  std::vector<ChannelConfig> channels;
  for (const auto& [name, settings] : config.as_dict()) {
    if (std::string why = check_channel_name(name); !why.empty()) {
      throw ConfigError(file + ": channel " + Value::string(name).to_json() + ": " + why, file);
    }
    if (!settings.is_dict()) {
      throw ConfigError(file + ": channel \"" + name + "\": expected an object, found " + settings.to_json(),
                        file);
    }
    ChannelConfig channel;
    channel.name = name;
    channel.path = env::join_path(data_dir, name);
    channel.mode = read_choice(settings, "TrainingInputMode", kModes, InputMode::kFile, file, name);
    channel.mode_configured = settings.find("TrainingInputMode") != nullptr;
    channel.distribution = read_choice(settings, "S3DistributionType", kDistributions,
                                       S3Distribution::kFullyReplicated, file, name);
    channel.record_wrapper =
        read_choice(settings, "RecordWrapperType", kWrappers, RecordWrapper::kNone, file, name);
    channel.compression =
        read_choice(settings, "CompressionType", kCompressions, Compression::kNone, file, name);
    const Value* type = settings.find("ContentType");
    const bool has_type =
        type != nullptr && !type->is_null() && !(type->is_string() && trim(type->as_string()).empty());
    if (has_type) {
      if (!type->is_string()) {
        throw ConfigError(
            file + ": channel \"" + name + "\": ContentType is " + type->to_json() + ", expected a string",
            file);
      }
      try {
        channel.content_type = ContentType::parse(type->as_string());
      } catch (const ConfigError& e) {
        throw ConfigError(file + ": channel \"" + name + "\": " + e.what(), file);
      }
    }
    channels.push_back(std::move(channel));
  }
  return channels;
}

}  // namespace env
}  // namespace chanload
