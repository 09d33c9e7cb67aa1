// Text to float32 or float64, correctly rounded: exactly std::from_chars's result, faster for the
// short decimals that CSV training data is made of.
#pragma once

namespace chanload::format {

// Parses a number at [first, last) as std::from_chars(first, last, value) would (plus a leading
// '+', and overflow/underflow rounded to +-inf/0 as strtof and strtod do). Returns the end of the
// number, or first when there is none.
const char* parse_float(const char* first, const char* last, float& value);
const char* parse_float(const char* first, const char* last, double& value);

}  // namespace chanload::format
