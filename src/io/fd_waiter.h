// Waiting on a descriptor with a deadline and a stop signal, on Boost.Asio.
#pragma once

#include <chrono>
#include <memory>

namespace chanload::io {

class StopSignal;

enum class WaitResult { kReady, kTimedOut, kStopped };

class FdWaiter {
 public:
  // also: a second signal that ends the waits too (may be null): a read-ahead thread's own, which
  // stops one stream's reads without stopping the channel.
  explicit FdWaiter(std::shared_ptr<StopSignal> stop, std::shared_ptr<StopSignal> also = nullptr);
  ~FdWaiter();
  FdWaiter(const FdWaiter&) = delete;
  FdWaiter& operator=(const FdWaiter&) = delete;

  // Until fd is readable (data, or the writer hung up), the deadline passes, or a stop is requested.
  // std::chrono::steady_clock::time_point::max() waits without a deadline (only a stop ends it).
  WaitResult wait_readable(int fd, std::chrono::steady_clock::time_point deadline);
  // Sleeps for the duration unless a stop is requested first.
  WaitResult sleep_for(std::chrono::milliseconds duration);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace chanload::io
