// The largest single operator new request made while a LargestAllocation is alive, to check that
// what a length field or a long record asks for stays within the bound an option sets. Built (with
// CHANLOAD_ALLOCATION_PROBE defined) only outside sanitizer builds: it replaces operator new.
#pragma once

#include <cstddef>

namespace chanload::testing {

class LargestAllocation {
 public:
  LargestAllocation();
  ~LargestAllocation();
  LargestAllocation(const LargestAllocation&) = delete;
  LargestAllocation& operator=(const LargestAllocation&) = delete;

  [[nodiscard]] std::size_t bytes() const;
};

}  // namespace chanload::testing
