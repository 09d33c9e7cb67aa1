// What CUDA this build and this machine offer. The library links the CUDA runtime when the toolkit
// was found at configure time; a machine without a GPU (or without a driver) reports no devices
// and the reason, and nothing else changes.
#pragma once

#include <string>

namespace chanload::memory {

struct CudaAvailability {
  bool built_with_cuda = false;  // the toolkit was found at configure time
  int runtime_version = 0;       // e.g. 13000; 0 when not built with CUDA
  int device_count = 0;          // usable devices on this machine now
  std::string reason;            // why device_count is 0, when it is
};

CudaAvailability probe_cuda();

}  // namespace chanload::memory
