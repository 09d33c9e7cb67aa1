// Text to float32, correctly rounded: exactly std::from_chars's result, faster for the short
// decimals that CSV training data is made of.
#pragma once

namespace chanload::format {

// Parses a number at [first, last) as std::from_chars(first, last, float&) would (plus a leading
// '+', and overflow/underflow rounded to +-inf/0 as strtof does). Returns the end of the number,
// or first when there is none.
const char* parse_float(const char* first, const char* last, float& value);

}  // namespace chanload::format
