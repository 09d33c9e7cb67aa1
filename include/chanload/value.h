// chanload::Value: a JSON value as Python's json module sees it.
//
// The SageMaker training toolkit is Python: hyperparameters and configs pass through json.loads
// and come back out through json.dumps and str(). To reproduce its output byte for byte a value must
// keep what Python keeps: integers of any size (held here as their decimal text), floats as IEEE
// doubles including NaN and infinities, dicts in insertion order, and strings as code points (held
// as UTF-8; a lone surrogate from a "\ud800" escape is held in WTF-8, as Python can hold it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chanload {

class Value {
 public:
  enum class Kind { kNull, kBool, kInt, kFloat, kString, kList, kDict };
  using List = std::vector<Value>;
  using Dict = std::vector<std::pair<std::string, Value>>;  // insertion order, keys unique

  Value() = default;  // null
  static Value boolean(bool value);
  static Value integer(std::int64_t value);
  // Decimal digits with an optional leading '-'; normalised as Python's int() would ("-0" is "0",
  // leading zeros dropped). Throws std::invalid_argument for anything else.
  static Value integer_text(std::string_view digits);
  static Value floating(double value);
  static Value string(std::string utf8);
  static Value list(List items = {});
  static Value dict(Dict items = {});

  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  [[nodiscard]] bool is_null() const noexcept { return kind_ == Kind::kNull; }
  [[nodiscard]] bool is_bool() const noexcept { return kind_ == Kind::kBool; }
  [[nodiscard]] bool is_int() const noexcept { return kind_ == Kind::kInt; }
  [[nodiscard]] bool is_float() const noexcept { return kind_ == Kind::kFloat; }
  [[nodiscard]] bool is_string() const noexcept { return kind_ == Kind::kString; }
  [[nodiscard]] bool is_list() const noexcept { return kind_ == Kind::kList; }
  [[nodiscard]] bool is_dict() const noexcept { return kind_ == Kind::kDict; }

  // Typed access; each throws std::logic_error when the value is of another kind.
  [[nodiscard]] bool as_bool() const;
  [[nodiscard]] const std::string& int_text() const;           // decimal text of an int, any size
  [[nodiscard]] std::optional<std::int64_t> as_int64() const;  // nullopt if beyond int64
  [[nodiscard]] double as_double() const;                      // an int or a float
  [[nodiscard]] const std::string& as_string() const;
  [[nodiscard]] const List& as_list() const;
  [[nodiscard]] List& as_list();
  [[nodiscard]] const Dict& as_dict() const;

  // Dict access: find returns nullptr when absent or when this is not a dict; set replaces the
  // value of an existing key in place (keeping its position, as a Python dict does) or appends.
  [[nodiscard]] const Value* find(std::string_view key) const;
  void set(std::string key, Value value);

  // Python's truth value: null, false, 0, 0.0, "", [] and {} are false.
  [[nodiscard]] bool truthy() const;

  // json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
  [[nodiscard]] std::string to_json() const;
  // str(value) and repr(value) in Python 3.
  [[nodiscard]] std::string to_python_str() const;
  [[nodiscard]] std::string to_python_repr() const;

  // Structural equality with Python's rules for the kinds held here (1 == 1.0, True == 1, NaN != NaN;
  // dicts equal regardless of order).
  friend bool operator==(const Value& a, const Value& b);

 private:
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  double float_ = 0.0;
  std::string text_;  // kString: the UTF-8 text; kInt: the decimal digits
  List list_;
  Dict dict_;
};

}  // namespace chanload
