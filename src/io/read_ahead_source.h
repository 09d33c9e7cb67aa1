// A ByteSource read ahead on a thread of its own: the inner source's pieces (a gzip or zstd stream's
// decompressed bytes) are copied into a few buffers while the consumer frames the ones before, so
// decompressing and framing one stream run on two cores instead of one. Errors come out of next()
// where they happened, after every piece before them.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "io/byte_source.h"
#include "io/thread_cpu.h"

namespace chanload::io {

class StopSignal;

class ReadAheadSource final : public ByteSource {
 public:
  // depth: pieces read ahead (each a copy of an inner piece). stream_stop: requested when this
  // source is dropped, so an inner wait on a FIFO's writer ends at once (inner's waits must watch
  // it: FifoReadOptions::stream_stop); may be null when inner never waits (files).
  // cpu: the reading thread's CPU time goes there when it ends (may be null).
  ReadAheadSource(std::unique_ptr<ByteSource> inner, std::size_t depth,
                  std::shared_ptr<StopSignal> stream_stop, CpuTally cpu = nullptr);
  ~ReadAheadSource() override;
  ReadAheadSource(const ReadAheadSource&) = delete;
  ReadAheadSource& operator=(const ReadAheadSource&) = delete;

  std::span<const std::byte> next() override;
  [[nodiscard]] const std::string& origin() const override { return inner_->origin(); }

 private:
  void read_loop();

  std::unique_ptr<ByteSource> inner_;
  std::size_t depth_;
  std::shared_ptr<StopSignal> stream_stop_;
  CpuTally cpu_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::vector<std::byte>> ready_;
  std::vector<std::vector<std::byte>> free_;
  std::vector<std::byte> lent_;  // the piece the consumer holds until its next call
  bool ended_ = false;
  bool stopping_ = false;
  std::exception_ptr error_;
  std::thread thread_;  // last: started once everything above is made
};

}  // namespace chanload::io
