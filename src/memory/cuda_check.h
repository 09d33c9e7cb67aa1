// A failed CUDA runtime call as a chanload::Error naming the call. For the CUDA builds' sources only
// (it needs the runtime's header).
#pragma once

#include <chanload/errors.h>
#include <cuda_runtime_api.h>

#include <string>

namespace chanload::memory {

inline void check_cuda(cudaError_t status, const char* what) {
  if (status == cudaSuccess) return;
  cudaGetLastError();  // clear the sticky error so later calls start clean
  throw Error(std::string(what) + " failed: " + cudaGetErrorString(status));
}

}  // namespace chanload::memory
