#include "memory/device_transfer.h"

#include <chanload/errors.h>

#include <charconv>

#include "memory/cuda_device.h"

#ifdef CHANLOAD_HAVE_CUDA
#include <cuda_runtime_api.h>

#include "memory/cuda_check.h"
#endif

namespace chanload::memory {

int parse_device(const std::string& device) {
  if (device == "cpu") return -1;
  if (device == "cuda") return 0;
  constexpr std::string_view kPrefix = "cuda:";
  if (device.starts_with(kPrefix)) {
    int index = 0;
    const char* first = device.data() + kPrefix.size();
    const char* last = device.data() + device.size();
    const auto [ptr, ec] = std::from_chars(first, last, index);
    if (ec == std::errc() && ptr == last && first != last && index >= 0) return index;
  }
  throw ConfigError("device \"" + device + "\": expected \"cpu\", \"cuda\" or \"cuda:N\"");
}

#ifdef CHANLOAD_HAVE_CUDA
DeviceTransfer::DeviceTransfer(int device) : device_(device) {
  const CudaAvailability cuda = probe_cuda();
  if (device >= cuda.device_count) {
    throw ConfigError("device cuda:" + std::to_string(device) + " is not available: " +
                      (cuda.device_count == 0
                           ? cuda.reason
                           : std::to_string(cuda.device_count) + " CUDA device(s) present"));
  }
  check_cuda(cudaSetDevice(device_), "cudaSetDevice");
  cudaStream_t stream = nullptr;
  check_cuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
  stream_ = stream;
}

DeviceTransfer::~DeviceTransfer() {
  if (stream_ == nullptr) return;
  cudaSetDevice(device_);
  cudaStreamSynchronize(static_cast<cudaStream_t>(stream_));
  cudaStreamDestroy(static_cast<cudaStream_t>(stream_));
}

DeviceBuffers DeviceTransfer::allocate(std::size_t feature_bytes, std::size_t label_bytes) {
  check_cuda(cudaSetDevice(device_), "cudaSetDevice");
  DeviceBuffers buffers;
  try {
    if (feature_bytes > 0) check_cuda(cudaMalloc(&buffers.features, feature_bytes), "cudaMalloc (features)");
    if (label_bytes > 0) check_cuda(cudaMalloc(&buffers.labels, label_bytes), "cudaMalloc (labels)");
    cudaEvent_t copied = nullptr;
    cudaEvent_t released = nullptr;
    check_cuda(cudaEventCreateWithFlags(&copied, cudaEventDisableTiming), "cudaEventCreate");
    buffers.copied = copied;
    check_cuda(cudaEventCreateWithFlags(&released, cudaEventDisableTiming), "cudaEventCreate");
    buffers.released = released;
  } catch (...) {
    free(buffers);
    throw;
  }
  return buffers;
}

void DeviceTransfer::free(DeviceBuffers& buffers) noexcept {
  cudaSetDevice(device_);
  if (buffers.features != nullptr) cudaFree(buffers.features);
  if (buffers.labels != nullptr) cudaFree(buffers.labels);
  if (buffers.copied != nullptr) cudaEventDestroy(static_cast<cudaEvent_t>(buffers.copied));
  if (buffers.released != nullptr) cudaEventDestroy(static_cast<cudaEvent_t>(buffers.released));
  buffers = {};
}

void DeviceTransfer::copy(DeviceBuffers& buffers, const void* features, std::size_t feature_bytes,
                          const void* labels, std::size_t label_bytes) {
  check_cuda(cudaSetDevice(device_), "cudaSetDevice");
  auto* stream = static_cast<cudaStream_t>(stream_);
  if (buffers.release_pending) {
    // The consumer's stream may still read the last batch in these buffers.
    check_cuda(cudaStreamWaitEvent(stream, static_cast<cudaEvent_t>(buffers.released), 0),
               "cudaStreamWaitEvent");
    buffers.release_pending = false;
  }
  if (feature_bytes > 0) {
    check_cuda(cudaMemcpyAsync(buffers.features, features, feature_bytes, cudaMemcpyHostToDevice, stream),
               "cudaMemcpyAsync (features)");
  }
  if (label_bytes > 0) {
    check_cuda(cudaMemcpyAsync(buffers.labels, labels, label_bytes, cudaMemcpyHostToDevice, stream),
               "cudaMemcpyAsync (labels)");
  }
  check_cuda(cudaEventRecord(static_cast<cudaEvent_t>(buffers.copied), stream), "cudaEventRecord");
}

void DeviceTransfer::wait(void* event, void* stream) {
  check_cuda(cudaStreamWaitEvent(static_cast<cudaStream_t>(stream), static_cast<cudaEvent_t>(event), 0),
             "cudaStreamWaitEvent");
}

void DeviceTransfer::synchronize(void* event) {
  check_cuda(cudaEventSynchronize(static_cast<cudaEvent_t>(event)), "cudaEventSynchronize");
}

void DeviceTransfer::record_release(DeviceBuffers& buffers, void* stream, int device) noexcept {
  if (buffers.released == nullptr) return;
  cudaSetDevice(device);
  if (cudaEventRecord(static_cast<cudaEvent_t>(buffers.released), static_cast<cudaStream_t>(stream)) ==
      cudaSuccess) {
    buffers.release_pending = true;
  } else {
    cudaGetLastError();
  }
}

#else  // no CUDA toolkit at build time

DeviceTransfer::DeviceTransfer(int device) : device_(device) {
  throw ConfigError("device cuda:" + std::to_string(device) + " is not available: " + probe_cuda().reason);
}
DeviceTransfer::~DeviceTransfer() = default;
DeviceBuffers DeviceTransfer::allocate(std::size_t, std::size_t) { return {}; }
void DeviceTransfer::free(DeviceBuffers& buffers) noexcept { buffers = {}; }
void DeviceTransfer::copy(DeviceBuffers&, const void*, std::size_t, const void*, std::size_t) {}
void DeviceTransfer::wait(void*, void*) { throw Error("chanload was built without the CUDA toolkit"); }
void DeviceTransfer::synchronize(void*) { throw Error("chanload was built without the CUDA toolkit"); }
void DeviceTransfer::record_release(DeviceBuffers&, void*, int) noexcept {}

#endif

}  // namespace chanload::memory
