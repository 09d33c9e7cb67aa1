// A fixed block of host memory for batches: pinned (cudaMallocHost, so copies to a GPU run at full
// speed and asynchronously) when asked and possible, page-aligned ordinary memory otherwise.
#pragma once

#include <cstddef>

namespace chanload::memory {

class HostBuffer {
 public:
  HostBuffer() = default;
  // Throws std::bad_alloc (or chanload::Error for a CUDA failure). pinned is honoured only in a
  // CUDA build on a machine with a device; pinned() says what was done.
  HostBuffer(std::size_t bytes, bool pinned);
  ~HostBuffer();
  HostBuffer(HostBuffer&& other) noexcept;
  HostBuffer& operator=(HostBuffer&& other) noexcept;
  HostBuffer(const HostBuffer&) = delete;
  HostBuffer& operator=(const HostBuffer&) = delete;

  [[nodiscard]] std::byte* data() const { return data_; }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool pinned() const { return pinned_; }

 private:
  void release() noexcept;
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  bool pinned_ = false;
};

}  // namespace chanload::memory
