// The Python-compatible JSON parser: no crash; and whatever parses prints as JSON that parses back
// to an equal value (NaN aside, which is never equal).
#include <chanload/value.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "env/py_json.h"
#include "env/python_text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (chanload::env::find_invalid_utf8(text) != std::string_view::npos) return 0;  // files are checked first
  try {
    const chanload::Value value = chanload::env::parse_python_json(text);
    const std::string json = value.to_json();
    (void)value.to_python_str();
    const chanload::Value again = chanload::env::parse_python_json(json);
    if (again.to_json() != json) __builtin_trap();
  } catch (const chanload::env::JsonSyntaxError&) {
  }
  return 0;
}
