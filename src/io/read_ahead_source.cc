#include "io/read_ahead_source.h"

#include <algorithm>
#include <utility>

#include "io/stop_signal.h"

namespace chanload::io {

ReadAheadSource::ReadAheadSource(std::unique_ptr<ByteSource> inner, std::size_t depth,
                                 std::shared_ptr<StopSignal> stream_stop, CpuTally cpu)
    : inner_(std::move(inner)),
      depth_(std::max<std::size_t>(depth, 1)),
      stream_stop_(std::move(stream_stop)),
      cpu_(std::move(cpu)),
      thread_([this] { read_loop(); }) {}

ReadAheadSource::~ReadAheadSource() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  if (stream_stop_) stream_stop_->request_stop();
  changed_.notify_all();
  thread_.join();
}

void ReadAheadSource::read_loop() {
  const TallyOnExit tally(cpu_);
  while (true) {
    std::vector<std::byte> buffer;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || ready_.size() < depth_; });
      if (stopping_) return;
      if (!free_.empty()) {
        buffer = std::move(free_.back());
        free_.pop_back();
      }
    }
    std::exception_ptr error;
    bool ended = false;
    try {
      const std::span<const std::byte> piece = inner_->next();
      ended = piece.empty();
      buffer.assign(piece.begin(), piece.end());  // may throw bad_alloc: an error like any other
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard lock(mutex_);
    if (error || ended) {
      error_ = error;
      ended_ = true;
      changed_.notify_all();
      return;
    }
    try {
      ready_.push_back(std::move(buffer));
    } catch (...) {
      error_ = std::current_exception();
      ended_ = true;
    }
    changed_.notify_all();
    if (ended_) return;
  }
}

std::span<const std::byte> ReadAheadSource::next() {
  std::unique_lock lock(mutex_);
  if (!lent_.empty()) {
    free_.push_back(std::move(lent_));
    lent_ = {};
  }
  // The reader thread always moves on (its inner waits have timeouts and watch the stop signals),
  // so this wait ends.
  changed_.wait(lock, [&] { return !ready_.empty() || ended_; });
  if (!ready_.empty()) {
    lent_ = std::move(ready_.front());
    ready_.pop_front();
    lock.unlock();
    changed_.notify_all();  // room for the reader
    return lent_;
  }
  if (error_) std::rethrow_exception(error_);
  return {};
}

}  // namespace chanload::io
