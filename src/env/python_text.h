// Python 3's text rules, as the toolkit's output depends on them: float repr, str repr, and
// str.upper(). Strings are UTF-8; a lone surrogate is accepted in WTF-8 form (ED A0..BF xx).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace chanload::env {

// float.__repr__: shortest round-trip digits; exponent form when the decimal point sits more than
// 16 places right or 4 places left of the first digit ("1e+16", "1e-05", "100000.0", "nan", "inf").
std::string python_float_repr(double value);

// str.__repr__: quotes, backslash escapes, and \x/\u/\U escapes for characters that
// str.isprintable() rejects.
std::string python_string_repr(std::string_view utf8);

// str.upper() with Python's full case mapping (ß becomes SS).
std::string python_upper(std::string_view utf8);

// Number of code points (len() of the Python str).
std::size_t code_point_count(std::string_view utf8);

// Appends the (W)UTF-8 encoding of a code point (0..0x10FFFF, surrogates included).
void append_utf8(std::string& out, std::uint32_t code_point);

// Decodes the code point at utf8[pos], advancing pos. The text must be valid (W)UTF-8, which every
// string held by a Value is (the JSON parser checks it).
std::uint32_t next_code_point(std::string_view utf8, std::size_t& pos);

// Offset of the first byte that is not valid UTF-8 (surrogates are invalid here), or npos.
std::size_t find_invalid_utf8(std::string_view bytes);

bool is_python_printable(std::uint32_t code_point);

}  // namespace chanload::env
