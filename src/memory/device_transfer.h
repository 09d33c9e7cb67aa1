// Copies of batches to one GPU: device buffers for each batch buffer of the pool, one copy stream
// owned by the loader, and an event per batch recorded after its copies, which a consumer's stream
// waits on (no host synchronisation). In a build without CUDA, or with no such device, opening one
// is a ConfigError saying why.
#pragma once

#include <cstddef>
#include <string>

namespace chanload::memory {

struct DeviceBuffers {
  void* features = nullptr;
  void* labels = nullptr;
  void* copied = nullptr;    // cudaEvent_t recorded after the copies
  void* released = nullptr;  // cudaEvent_t recorded on the consumer's stream when the batch is released
  bool release_pending = false;
};

class DeviceTransfer {
 public:
  // device: the N of "cuda:N". Throws ConfigError when it cannot be used.
  explicit DeviceTransfer(int device);
  ~DeviceTransfer();
  DeviceTransfer(const DeviceTransfer&) = delete;
  DeviceTransfer& operator=(const DeviceTransfer&) = delete;

  [[nodiscard]] int device() const { return device_; }
  DeviceBuffers allocate(std::size_t feature_bytes, std::size_t label_bytes);
  void free(DeviceBuffers& buffers) noexcept;
  // Queues the host-to-device copies on the copy stream (after the consumer released the buffers'
  // last use) and records buffers.copied.
  void copy(DeviceBuffers& buffers, const void* features, std::size_t feature_bytes, const void* labels,
            std::size_t label_bytes);

  // For Batch: make a stream wait for a copy; block the host for one; mark a release on a stream.
  static void wait(void* event, void* stream);
  static void synchronize(void* event);
  static void record_release(DeviceBuffers& buffers, void* stream, int device) noexcept;

 private:
  int device_;
  void* stream_ = nullptr;  // cudaStream_t
};

// "cpu" -> -1, "cuda" -> 0, "cuda:N" -> N; ConfigError for anything else.
int parse_device(const std::string& device);

}  // namespace chanload::memory
