// inputdataconfig.json: one ChannelConfig per channel, names checked so that no path leaves the root.
#pragma once

#include <chanload/environment.h>

#include <string>
#include <string_view>
#include <vector>

namespace chanload::env {

// A channel name the platform could have written: [A-Za-z0-9.\-_]{1,64}, and not "." or any name
// containing "..". Returns an empty string when valid, else why not.
std::string check_channel_name(std::string_view name);

// Parses the whole file (already decoded). data_dir is <root>/input/data; file names the file in
// error messages. Throws ConfigError.
std::vector<ChannelConfig> parse_channels(const Value& input_data_config, const std::string& data_dir,
                                          const std::string& file);

}  // namespace chanload::env
