// Quoting for a POSIX shell: the output of `chanload env --format env|args` can be eval'ed.
#pragma once

#include <string>
#include <string_view>

namespace chanload::cli {

// A single shell word that the shell reads back as exactly `text` (single quotes; a ' inside
// becomes '\''). Words made only of safe characters are left bare.
std::string shell_quote(std::string_view text);

// A name a POSIX shell can assign to: [A-Za-z_][A-Za-z0-9_]*.
bool is_shell_name(std::string_view name);

}  // namespace chanload::cli
