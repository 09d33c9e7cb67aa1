#include <chanload/value.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "env/python_text.h"

namespace chanload {
namespace {

[[noreturn]] void wrong_kind(const char* wanted) {
  throw std::logic_error(std::string("chanload::Value is not ") + wanted);
}

void append_json_string(std::string& out, std::string_view utf8) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto append_u = [&](std::uint32_t unit) {
    out.append("\\u");
    for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(unit >> shift) & 0xF]);
  };
  out.push_back('"');
  std::size_t pos = 0;
  while (pos < utf8.size()) {
    const std::uint32_t cp = env::next_code_point(utf8, pos);
    switch (cp) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default:
        if (cp >= 0x20 && cp < 0x7F) {
          out.push_back(static_cast<char>(cp));
        } else if (cp < 0x10000) {
          append_u(cp);
        } else {
          const std::uint32_t v = cp - 0x10000;
          append_u(0xD800 | (v >> 10));
          append_u(0xDC00 | (v & 0x3FF));
        }
    }
  }
  out.push_back('"');
}

void append_json(std::string& out, const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kNull:
      out.append("null");
      return;
    case Value::Kind::kBool:
      out.append(value.as_bool() ? "true" : "false");
      return;
    case Value::Kind::kInt:
      out.append(value.int_text());
      return;
    case Value::Kind::kFloat: {
      const double d = value.as_double();
      if (std::isnan(d)) {
        out.append("NaN");
      } else if (std::isinf(d)) {
        out.append(d > 0 ? "Infinity" : "-Infinity");
      } else {
        out.append(env::python_float_repr(d));
      }
      return;
    }
    case Value::Kind::kString:
      append_json_string(out, value.as_string());
      return;
    case Value::Kind::kList: {
      out.push_back('[');
      bool first = true;
      for (const Value& item : value.as_list()) {
        if (!first) out.push_back(',');
        first = false;
        append_json(out, item);
      }
      out.push_back(']');
      return;
    }
    case Value::Kind::kDict: {
      // sort_keys=True: Python sorts str keys by code point, which is UTF-8 byte order.
      std::vector<const std::pair<std::string, Value>*> entries;
      entries.reserve(value.as_dict().size());
      for (const auto& entry : value.as_dict()) entries.push_back(&entry);
      std::sort(entries.begin(), entries.end(),
                [](const auto* a, const auto* b) { return a->first < b->first; });
      out.push_back('{');
      bool first = true;
      for (const auto* entry : entries) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, entry->first);
        out.push_back(':');
        append_json(out, entry->second);
      }
      out.push_back('}');
      return;
    }
  }
}

void append_repr(std::string& out, const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kNull:
      out.append("None");
      return;
    case Value::Kind::kBool:
      out.append(value.as_bool() ? "True" : "False");
      return;
    case Value::Kind::kInt:
      out.append(value.int_text());
      return;
    case Value::Kind::kFloat:
      out.append(env::python_float_repr(value.as_double()));
      return;
    case Value::Kind::kString:
      out.append(env::python_string_repr(value.as_string()));
      return;
    case Value::Kind::kList: {
      out.push_back('[');
      bool first = true;
      for (const Value& item : value.as_list()) {
        if (!first) out.append(", ");
        first = false;
        append_repr(out, item);
      }
      out.push_back(']');
      return;
    }
    case Value::Kind::kDict: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, item] : value.as_dict()) {
        if (!first) out.append(", ");
        first = false;
        out.append(env::python_string_repr(key));
        out.append(": ");
        append_repr(out, item);
      }
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

Value Value::boolean(bool value) {
  Value v;
  v.kind_ = Kind::kBool;
  v.bool_ = value;
  return v;
}

Value Value::integer(std::int64_t value) {
  Value v;
  v.kind_ = Kind::kInt;
  v.text_ = std::to_string(value);
  return v;
}

Value Value::integer_text(std::string_view digits) {
  bool negative = false;
  if (!digits.empty() && digits.front() == '-') {
    negative = true;
    digits.remove_prefix(1);
  }
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw std::invalid_argument("not a decimal integer: " + std::string(digits));
  }
  const std::size_t first_nonzero = digits.find_first_not_of('0');
  Value v;
  v.kind_ = Kind::kInt;
  if (first_nonzero == std::string_view::npos) {
    v.text_.assign(1, '0');
  } else {
    if (negative) v.text_.push_back('-');
    v.text_.append(digits.substr(first_nonzero));
  }
  return v;
}

Value Value::floating(double value) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.float_ = value;
  return v;
}

Value Value::string(std::string utf8) {
  Value v;
  v.kind_ = Kind::kString;
  v.text_ = std::move(utf8);
  return v;
}

Value Value::list(List items) {
  Value v;
  v.kind_ = Kind::kList;
  v.list_ = std::move(items);
  return v;
}

Value Value::dict(Dict items) {
  Value v;
  v.kind_ = Kind::kDict;
  for (auto& entry : items) v.set(std::move(entry.first), std::move(entry.second));
  return v;
}

bool Value::as_bool() const {
  if (kind_ != Kind::kBool) wrong_kind("a bool");
  return bool_;
}

const std::string& Value::int_text() const {
  if (kind_ != Kind::kInt) wrong_kind("an int");
  return text_;
}

std::optional<std::int64_t> Value::as_int64() const {
  if (kind_ == Kind::kBool) return bool_ ? 1 : 0;
  if (kind_ != Kind::kInt) wrong_kind("an int");
  std::int64_t out = 0;
  auto result = std::from_chars(text_.data(), text_.data() + text_.size(), out);
  if (result.ec != std::errc() || result.ptr != text_.data() + text_.size()) return std::nullopt;
  return out;
}

double Value::as_double() const {
  if (kind_ == Kind::kFloat) return float_;
  if (kind_ == Kind::kInt) return std::strtod(text_.c_str(), nullptr);
  if (kind_ == Kind::kBool) return bool_ ? 1.0 : 0.0;
  wrong_kind("a number");
}

const std::string& Value::as_string() const {
  if (kind_ != Kind::kString) wrong_kind("a string");
  return text_;
}

const Value::List& Value::as_list() const {
  if (kind_ != Kind::kList) wrong_kind("a list");
  return list_;
}

Value::List& Value::as_list() {
  if (kind_ != Kind::kList) wrong_kind("a list");
  return list_;
}

const Value::Dict& Value::as_dict() const {
  if (kind_ != Kind::kDict) wrong_kind("a dict");
  return dict_;
}

const Value* Value::find(std::string_view key) const {
  if (kind_ != Kind::kDict) return nullptr;
  for (const auto& [k, v] : dict_) {
    if (k == key) return &v;
  }
  return nullptr;
}

void Value::set(std::string key, Value value) {
  if (kind_ != Kind::kDict) wrong_kind("a dict");
  for (auto& [k, v] : dict_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  dict_.emplace_back(std::move(key), std::move(value));
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::kNull:
      return false;
    case Kind::kBool:
      return bool_;
    case Kind::kInt:
      return text_ != "0";
    case Kind::kFloat:
      return float_ != 0.0 || std::isnan(float_);
    case Kind::kString:
      return !text_.empty();
    case Kind::kList:
      return !list_.empty();
    case Kind::kDict:
      return !dict_.empty();
  }
  return false;
}

std::string Value::to_json() const {
  std::string out;
  append_json(out, *this);
  return out;
}

std::string Value::to_python_repr() const {
  std::string out;
  append_repr(out, *this);
  return out;
}

std::string Value::to_python_str() const {
  if (kind_ == Kind::kString) return text_;
  return to_python_repr();
}

bool operator==(const Value& a, const Value& b) {
  using Kind = Value::Kind;
  const auto numeric = [](Kind k) { return k == Kind::kBool || k == Kind::kInt || k == Kind::kFloat; };
  if (numeric(a.kind_) && numeric(b.kind_)) {
    if (a.kind_ != Kind::kFloat && b.kind_ != Kind::kFloat) {
      const auto text = [](const Value& v) {
        return v.kind_ == Kind::kBool ? std::string(v.bool_ ? "1" : "0") : v.text_;
      };
      return text(a) == text(b);
    }
    return a.as_double() == b.as_double();
  }
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case Kind::kNull:
      return true;
    case Kind::kString:
      return a.text_ == b.text_;
    case Kind::kList:
      return a.list_ == b.list_;
    case Kind::kDict:
      if (a.dict_.size() != b.dict_.size()) return false;
      for (const auto& [key, value] : a.dict_) {
        const Value* other = b.find(key);
        if (other == nullptr || !(*other == value)) return false;
      }
      return true;
    default:
      return false;
  }
}

}  // namespace chanload
