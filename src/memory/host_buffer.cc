#include "memory/host_buffer.h"

#include "memory/cuda_device.h"

#include <chanload/errors.h>

#include <cstdlib>
#include <new>
#include <string>
#include <utility>

#ifdef CHANLOAD_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

namespace chanload::memory {
namespace {
constexpr std::size_t kPage = 4096;
}

HostBuffer::HostBuffer(std::size_t bytes, bool pinned) : size_(bytes) {
  const std::size_t rounded = (bytes + kPage - 1) / kPage * kPage;
  if (rounded == 0) return;
#ifdef CHANLOAD_HAVE_CUDA
  // Without a device there is nothing to pin for (and cudaMallocHost fails): ordinary memory, as
  // the header says. The probe is made once per process.
  static const bool have_device = probe_cuda().device_count > 0;
  if (pinned && have_device) {
    void* memory = nullptr;
    const cudaError_t status = cudaMallocHost(&memory, rounded);
    if (status != cudaSuccess) {
      cudaGetLastError();
      throw Error("cudaMallocHost of " + std::to_string(rounded) +
                  " bytes failed: " + cudaGetErrorString(status));
    }
    data_ = static_cast<std::byte*>(memory);
    pinned_ = true;
    return;
  }
#else
  (void)pinned;
#endif
  data_ = static_cast<std::byte*>(std::aligned_alloc(kPage, rounded));
  if (data_ == nullptr) throw std::bad_alloc();
}

HostBuffer::~HostBuffer() { release(); }

HostBuffer::HostBuffer(HostBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      pinned_(std::exchange(other.pinned_, false)) {}

HostBuffer& HostBuffer::operator=(HostBuffer&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    pinned_ = std::exchange(other.pinned_, false);
  }
  return *this;
}

void HostBuffer::release() noexcept {
  if (data_ == nullptr) return;
#ifdef CHANLOAD_HAVE_CUDA
  if (pinned_) {
    cudaFreeHost(data_);
    data_ = nullptr;
    return;
  }
#endif
  std::free(data_);  // NOLINT(cppcoreguidelines-no-malloc): paired with aligned_alloc
  data_ = nullptr;
}

}  // namespace chanload::memory
