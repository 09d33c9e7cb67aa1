// Quoting for a POSIX shell: the output of `chanload env --format env|args` can be eval'ed.
#pragma once

#include <string>
#include <string_view>

namespace chanload::cli {

// A single shell word that the shell reads back as exactly `text` (single quotes; a ' inside
// becomes '\''). Words made only of safe characters are left bare.
std::string shell_quote(std::string_view text);

}  // namespace chanload::cli
