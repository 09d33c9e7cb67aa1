// What a framer throws; the RecordReader adds the origin and the stream offset and rethrows it as
// a chanload::DataError.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace chanload::format {

class FramingError : public std::runtime_error {
 public:
  FramingError(const std::string& what, std::uint64_t offset_in_record)
      : std::runtime_error(what), offset_in_record_(offset_in_record) {}
  [[nodiscard]] std::uint64_t offset_in_record() const noexcept { return offset_in_record_; }

 private:
  std::uint64_t offset_in_record_;
};

}  // namespace chanload::format
