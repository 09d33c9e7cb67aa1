// A check for options that take a count (epochs, seeds, sizes): the text must be a whole number that
// fits in 64 bits. CLI11 alone turns "-1" into 2^64-1 and clamps "2^64" and "1e23", so three
// different seeds became the same one.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>

namespace chanload::cli {

// Digits only, at most max (default 2^64-1); the message names the value and the range.
CLI::Validator whole_number(std::uint64_t max = UINT64_MAX);

}  // namespace chanload::cli
