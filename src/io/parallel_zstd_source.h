// A zstd stream of several frames decoded several frames at once. SageMaker's Pipe mode puts the
// channel's S3 objects end to end in one FIFO, so a channel of .zst objects arrives as one stream of
// many frames (pzstd writes many frames too); a frame is independent of the ones before it, so
// each can go to a worker of its own. One thread reads the compressed bytes and cuts them at frame
// ends (io/zstd_frames.h, headers only); `threads` workers decode the frames; next() gives their
// bytes in stream order. A stream of one frame is decoded as quickly as ZstdSource decodes it,
// on one worker, ahead of the caller.
//
// Memory is bounded whatever the frames' sizes: frames ahead of the one being read hold at most
// output_budget_bytes of decoded and input_budget_bytes of compressed bytes between them (the
// frame being read always moves, so nothing waits for ever), and each worker's zstd window is
// capped as ZstdSource caps it. Errors come out of next() where they happened in the stream: a
// corrupt or truncated frame after every byte of the frames before it.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
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

struct ZSTD_DCtx_s;

namespace chanload::io {

class StopSignal;

struct ParallelZstdOptions {
  std::size_t threads = 2;                                // frames decoded at once
  std::size_t output_chunk_bytes = std::size_t{1} << 20;  // each piece next() gives
  std::size_t output_budget_bytes = std::size_t{64} << 20;
  std::size_t input_budget_bytes = std::size_t{16} << 20;
  // Requested when the source is dropped, so that the reading thread's wait on a FIFO's writer ends
  // at once (the inner source's waits must watch it); may be null when inner never waits (files).
  std::shared_ptr<StopSignal> stream_stop;
  CpuTally cpu;  // the splitter's and workers' CPU time goes here when they end; may be null

  // What the source may hold at most, for a reader's memory accounting.
  [[nodiscard]] std::size_t bytes_bound() const {
    return output_budget_bytes + input_budget_bytes + (threads + 2) * output_chunk_bytes;
  }
};

class ParallelZstdSource final : public ByteSource {
 public:
  // inner: the compressed bytes after `first_bytes` (a stream's first bytes, read to see its magic).
  ParallelZstdSource(std::unique_ptr<ByteSource> inner, std::vector<std::byte> first_bytes,
                     ParallelZstdOptions options);
  ~ParallelZstdSource() override;
  ParallelZstdSource(const ParallelZstdSource&) = delete;
  ParallelZstdSource& operator=(const ParallelZstdSource&) = delete;

  std::span<const std::byte> next() override;
  [[nodiscard]] const std::string& origin() const override { return origin_; }

 private:
  struct Frame;
  void split_loop();
  void work_loop();
  void decode_frame(Frame& frame, ZSTD_DCtx_s* context);
  // Under the lock: whether this frame is the one next() reads (frames ahead of it wait on budgets).
  [[nodiscard]] bool is_head(const Frame& frame) const;

  std::unique_ptr<ByteSource> inner_;
  std::vector<std::byte> first_bytes_;
  ParallelZstdOptions options_;
  std::string origin_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::shared_ptr<Frame>> frames_;  // in stream order; the front is the one being read
  std::size_t next_to_decode_ = 0;             // frames_ index of the first frame no worker has
  std::size_t input_held_ = 0;                 // compressed bytes waiting in frames' inputs
  std::size_t output_held_ = 0;                // decoded bytes waiting in frames' outputs
  bool split_done_ = false;                    // every frame is in frames_ (or the error below)
  std::exception_ptr split_error_;             // after the last frame in frames_
  bool stopping_ = false;
  std::vector<std::vector<std::byte>> free_chunks_;
  std::vector<std::byte> lent_;  // the piece next() gave last

  std::vector<std::thread> threads_;  // last: started once everything above is made
};

}  // namespace chanload::io
