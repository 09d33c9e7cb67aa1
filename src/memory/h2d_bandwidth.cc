#include "memory/h2d_bandwidth.h"

#include <chanload/errors.h>

#include <chrono>
#include <cstring>
#include <vector>

#include "memory/cuda_device.h"

#ifdef CHANLOAD_HAVE_CUDA
#include <cuda_runtime_api.h>

#include "memory/cuda_check.h"
#endif

namespace chanload::memory {

#ifdef CHANLOAD_HAVE_CUDA
namespace {

// Owns what one measurement allocates, so an error on the way frees it.
struct CopyResources {
  void* pinned = nullptr;
  void* device = nullptr;
  cudaStream_t stream = nullptr;
  cudaEvent_t event = nullptr;
  ~CopyResources() {
    if (event != nullptr) cudaEventDestroy(event);
    if (stream != nullptr) cudaStreamDestroy(stream);
    if (device != nullptr) cudaFree(device);
    if (pinned != nullptr) cudaFreeHost(pinned);
  }
};

// Copies in groups of 8 (one event per block, waited on as the loader's consumer would) until
// min_seconds have passed; bytes per second.
double copy_rate(const CopyResources& resources, const void* host, std::size_t bytes, double min_seconds) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  std::size_t copies = 0;
  double elapsed = 0;
  while (elapsed < min_seconds) {
    for (int i = 0; i < 8; ++i) {
      check_cuda(cudaMemcpyAsync(resources.device, host, bytes, cudaMemcpyHostToDevice, resources.stream),
                 "cudaMemcpyAsync");
      check_cuda(cudaEventRecord(resources.event, resources.stream), "cudaEventRecord");
      ++copies;
    }
    check_cuda(cudaEventSynchronize(resources.event), "cudaEventSynchronize");
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  }
  return static_cast<double>(copies * bytes) / elapsed;
}

}  // namespace
#endif

std::optional<H2dBandwidth> measure_h2d_bandwidth(int device, std::size_t block_bytes, double min_seconds,
                                                  std::string& why_not) {
  const CudaAvailability cuda = probe_cuda();
  if (device < 0 || device >= cuda.device_count) {
    why_not = cuda.device_count == 0 ? cuda.reason
                                     : "no device cuda:" + std::to_string(device) + " (" +
                                           std::to_string(cuda.device_count) + " present)";
    return std::nullopt;
  }
#ifdef CHANLOAD_HAVE_CUDA
  check_cuda(cudaSetDevice(device), "cudaSetDevice");
  CopyResources resources;
  check_cuda(cudaMallocHost(&resources.pinned, block_bytes), "cudaMallocHost");
  check_cuda(cudaMalloc(&resources.device, block_bytes), "cudaMalloc");
  check_cuda(cudaStreamCreateWithFlags(&resources.stream, cudaStreamNonBlocking), "cudaStreamCreate");
  check_cuda(cudaEventCreateWithFlags(&resources.event, cudaEventDisableTiming), "cudaEventCreate");
  std::vector<std::byte> pageable(block_bytes, std::byte{1});
  std::memset(resources.pinned, 1, block_bytes);
  copy_rate(resources, resources.pinned, block_bytes, min_seconds / 10);  // warm-up: first-touch, clocks
  H2dBandwidth bandwidth;
  bandwidth.block_bytes = block_bytes;
  bandwidth.pinned_bytes_per_second = copy_rate(resources, resources.pinned, block_bytes, min_seconds);
  bandwidth.pageable_bytes_per_second = copy_rate(resources, pageable.data(), block_bytes, min_seconds);
  return bandwidth;
#else
  (void)block_bytes;
  (void)min_seconds;
  why_not = cuda.reason;
  return std::nullopt;
#endif
}

}  // namespace chanload::memory
