// A way to stop a reader that is waiting: on a FIFO that has no writer yet, on a FIFO that does not
// exist yet, or between reads. Thread-safe and async-signal-safe (an eventfd), so a signal handler or
// another thread can stop a wait promptly.
#pragma once

#include <atomic>

namespace chanload::io {

class StopSignal {
 public:
  StopSignal();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  void request_stop() noexcept;
  [[nodiscard]] bool stop_requested() const noexcept { return stopped_.load(std::memory_order_acquire); }
  // Readable once a stop has been requested; for waits that poll it with other descriptors.
  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  std::atomic<bool> stopped_{false};
  int fd_ = -1;
};

}  // namespace chanload::io
