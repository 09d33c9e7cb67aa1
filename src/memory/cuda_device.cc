#include "memory/cuda_device.h"

#include <filesystem>

#ifdef CHANLOAD_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

namespace chanload::memory {

CudaAvailability probe_cuda() {
  CudaAvailability availability;
#ifdef CHANLOAD_HAVE_CUDA
  availability.built_with_cuda = true;
  cudaRuntimeGetVersion(&availability.runtime_version);
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    availability.reason = std::string("CUDA runtime: ") + cudaGetErrorString(status);
    // Without a GPU there is no driver, and the runtime calls that an old driver: say what it means.
    if (status == cudaErrorInsufficientDriver && !std::filesystem::exists("/dev/nvidiactl"))
      availability.reason = "no NVIDIA driver on this machine (no GPU); " + availability.reason;
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return availability;
  }
  availability.device_count = count;
  if (count == 0) availability.reason = "CUDA runtime: no CUDA-capable device";
#else
  availability.reason = "chanload was built without the CUDA toolkit";
#endif
  return availability;
}

}  // namespace chanload::memory
