#include "cli/whole_number.h"

#include <charconv>
#include <string>

namespace chanload::cli {

CLI::Validator whole_number(std::uint64_t max) {
  return CLI::Validator(
      [max](std::string& text) -> std::string {
        std::uint64_t value = 0;
        const char* end = text.data() + text.size();
        const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
        const auto [stop, error] = std::from_chars(text.data(), end, value);
        if (!digits || error != std::errc() || stop != end || value > max) {
          return "\"" + text + "\" is not a whole number in 0.." + std::to_string(max);
        }
        return {};
      },
      "UINT");
}

}  // namespace chanload::cli
