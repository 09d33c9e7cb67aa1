// The platform's side of Pipe mode, for local runs, tests and the benchmark: one epoch's FIFO is
// created, a reader awaited, the files written into it in order (optionally as gzip members), and the
// FIFO closed and removed.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace chanload::io {

class StopSignal;

struct FifoFeedOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};  // for a reader to open the FIFO
  bool gzip = false;                 // each file compressed as one gzip member on the way
  std::shared_ptr<StopSignal> stop;  // may be null; a stop ends the wait for a reader (StoppedError)
};

// Creates fifo (an IoError if it exists or cannot be made), waits for a reader (TimeoutError naming
// the FIFO otherwise), writes every file, closes and removes it. A reader that closes early is an
// IoError naming the FIFO.
void feed_fifo(const std::string& fifo, const std::vector<std::string>& files,
               const FifoFeedOptions& options);

// Removes the FIFO a feed_fifo call in this process has created and not yet removed, if any. Async-
// signal-safe: for a SIGTERM or SIGINT handler, so that a feeder stopped by a signal does not leave
// its FIFO behind (the next feeder's mkfifo would fail "File exists").
void remove_fed_fifo_from_signal_handler() noexcept;

}  // namespace chanload::io
