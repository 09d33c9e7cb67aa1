// Reading one epoch of a Pipe-mode channel: the FIFO <channel>_<epoch>.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "io/byte_source.h"

namespace chanload::io {

class StopSignal;

struct FifoReadOptions {
  // How long to wait for the FIFO to appear, then for its writer's first bytes, then for each read
  // after (a writer that stalls mid-stream). Each wait has the whole timeout.
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  std::size_t chunk_bytes = std::size_t{1} << 20;   // largest piece handed out
  std::size_t read_bytes = std::size_t{128} << 10;  // one read(); well under the pipe buffer
  std::shared_ptr<StopSignal> stop;                 // may be null
  // May be null: a second signal that stops this FIFO's waits only (a read-ahead thread's own, so
  // that dropping the stream early never waits out the timeout on a stalled writer).
  std::shared_ptr<StopSignal> stream_stop;
};

// Waits for the FIFO to exist and for its writer to open it (TimeoutError naming the FIFO and the
// wait otherwise, StoppedError when stopped), raises its buffer to /proc/sys/fs/pipe-max-size, and
// reads until the writer closes it.
std::unique_ptr<ByteSource> open_fifo_source(const std::string& path, const FifoReadOptions& options);

// The largest pipe buffer an unprivileged process may set (/proc/sys/fs/pipe-max-size).
std::size_t pipe_max_size();

}  // namespace chanload::io
