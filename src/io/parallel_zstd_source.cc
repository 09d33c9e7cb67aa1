#include "io/parallel_zstd_source.h"

#include <chanload/errors.h>
#include <zstd.h>

#include <algorithm>
#include <utility>

#include "io/stop_signal.h"
#include "io/zstd_frames.h"

namespace chanload::io {
namespace {

// As ZstdSource: the window cap, the input handed to zstd per call (an error's offset is known to
// within a block before the end of the slice that revealed it), and zstd's largest block.
constexpr int kZstdWindowLogMax = 27;
constexpr std::size_t kZstdSliceBytes = std::size_t{512} << 10;
constexpr std::uint64_t kZstdBlockBytes = (std::uint64_t{128} << 10) + 3;

struct Stopped {};  // unwinds a worker or the splitter when the source is dropped

}  // namespace

struct ParallelZstdSource::Frame {
  std::uint64_t start = 0;                   // its first compressed byte in the stream
  std::deque<std::vector<std::byte>> input;  // compressed bytes the worker has not taken yet
  bool input_done = false;                   // the splitter gave it every byte it has
  bool truncated = false;                    // the stream ended inside it
  std::exception_ptr input_error;            // reading or cutting the stream failed inside it
  bool taken = false;                        // a worker decodes it
  std::deque<std::vector<std::byte>> output;
  bool output_done = false;
  std::exception_ptr error;  // comes after its output
};

ParallelZstdSource::ParallelZstdSource(std::unique_ptr<ByteSource> inner, std::vector<std::byte> first_bytes,
                                       ParallelZstdOptions options)
    : inner_(std::move(inner)),
      first_bytes_(std::move(first_bytes)),
      options_(std::move(options)),
      origin_(inner_->origin()) {
  options_.threads = std::max<std::size_t>(options_.threads, 1);
  options_.output_chunk_bytes = std::max<std::size_t>(options_.output_chunk_bytes, 4096);
  threads_.reserve(options_.threads + 1);
  threads_.emplace_back([this] { split_loop(); });
  for (std::size_t i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { work_loop(); });
}

ParallelZstdSource::~ParallelZstdSource() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  if (options_.stream_stop) options_.stream_stop->request_stop();
  changed_.notify_all();
  for (auto& thread : threads_) thread.join();
}

bool ParallelZstdSource::is_head(const Frame& frame) const {
  return !frames_.empty() && frames_.front().get() == &frame;
}

void ParallelZstdSource::split_loop() {
  const TallyOnExit tally(options_.cpu);
  ZstdFrameWalker walker(origin_);
  std::shared_ptr<Frame> frame;  // the one the bytes go to
  const auto open_frame = [&](bool wait) {
    std::unique_lock lock(mutex_);
    // At most one frame beyond the workers' waits to be decoded: it is cut while they decode.
    if (wait) changed_.wait(lock, [&] { return stopping_ || frames_.size() <= options_.threads; });
    if (stopping_) throw Stopped{};
    frame = std::make_shared<Frame>();
    frame->start = walker.offset();
    frames_.push_back(frame);
    changed_.notify_all();
  };
  const auto give = [&](std::span<const std::byte> bytes) {
    while (!bytes.empty()) {
      const std::span<const std::byte> slice =
          bytes.first(std::min(bytes.size(), options_.output_chunk_bytes));
      std::vector<std::byte> buffer;
      {
        std::unique_lock lock(mutex_);
        // Frames ahead of the one being read hold at most the input budget; that one always moves.
        changed_.wait(lock, [&] {
          return stopping_ || is_head(*frame) || input_held_ == 0 ||
                 input_held_ + slice.size() <= options_.input_budget_bytes;
        });
        if (stopping_) throw Stopped{};
        if (frame->output_done) return;  // its worker failed: the rest of its bytes are not needed
        if (!free_chunks_.empty()) {
          buffer = std::move(free_chunks_.back());
          free_chunks_.pop_back();
        }
      }
      buffer.assign(slice.begin(), slice.end());
      {
        std::lock_guard lock(mutex_);
        input_held_ += buffer.size();
        frame->input.push_back(std::move(buffer));
      }
      changed_.notify_all();
      bytes = bytes.subspan(slice.size());
    }
  };
  try {
    bool first = true;
    while (true) {
      std::span<const std::byte> piece;
      if (first) {
        first = false;
        piece = first_bytes_;
        if (piece.empty()) continue;
      } else {
        piece = inner_->next();
        if (piece.empty()) break;
      }
      while (!piece.empty()) {
        if (!frame) open_frame(true);
        const ZstdFrameWalker::Step step = walker.feed(piece);
        give(piece.first(step.bytes));
        piece = piece.subspan(step.bytes);
        if (step.frame_ended) {
          {
            std::lock_guard lock(mutex_);
            frame->input_done = true;
          }
          changed_.notify_all();
          frame.reset();
        }
      }
    }
    std::lock_guard lock(mutex_);
    if (frame) {
      frame->truncated = true;
      frame->input_done = true;
    }
    split_done_ = true;
  } catch (const Stopped&) {
    return;
  } catch (...) {
    // The error takes its place in the stream: after every byte before it.
    std::exception_ptr error = std::current_exception();
    try {
      if (!frame) open_frame(false);
    } catch (...) {
      return;  // stopping
    }
    std::lock_guard lock(mutex_);
    frame->input_error = std::move(error);
    frame->input_done = true;
    split_done_ = true;
  }
  changed_.notify_all();
}

void ParallelZstdSource::work_loop() {
  const TallyOnExit tally(options_.cpu);
  ZSTD_DCtx* context = ZSTD_createDCtx();
  if (context != nullptr) ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, kZstdWindowLogMax);
  while (true) {
    std::shared_ptr<Frame> frame;
    {
      std::unique_lock lock(mutex_);
      const auto untaken = [&] {
        return std::find_if(frames_.begin(), frames_.end(), [](const auto& f) { return !f->taken; });
      };
      changed_.wait(lock, [&] { return stopping_ || untaken() != frames_.end() || split_done_; });
      if (stopping_) break;
      const auto it = untaken();
      if (it == frames_.end()) break;  // every frame is cut and taken
      frame = *it;
      frame->taken = true;
    }
    std::exception_ptr error;
    try {
      if (context == nullptr) throw std::bad_alloc();
      ZSTD_DCtx_reset(context, ZSTD_reset_session_only);
      decode_frame(*frame, context);
    } catch (const Stopped&) {
      break;
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard lock(mutex_);
      frame->error = error;
      frame->output_done = true;
    }
    changed_.notify_all();
  }
  ZSTD_freeDCtx(context);
}

void ParallelZstdSource::decode_frame(Frame& frame, ZSTD_DCtx* context) {
  const auto take_chunk = [&] {
    std::vector<std::byte> chunk;
    {
      std::lock_guard lock(mutex_);
      if (!free_chunks_.empty()) {
        chunk = std::move(free_chunks_.back());
        free_chunks_.pop_back();
      }
    }
    chunk.resize(options_.output_chunk_bytes);
    return chunk;
  };
  const auto put_output = [&](std::vector<std::byte>& chunk, std::size_t size) {
    chunk.resize(size);
    std::unique_lock lock(mutex_);
    // Decoded bytes waiting stay inside the budget; a frame with none waiting always moves.
    changed_.wait(lock, [&] {
      return stopping_ || frame.output.empty() || output_held_ + size <= options_.output_budget_bytes;
    });
    if (stopping_) throw Stopped{};
    output_held_ += size;
    frame.output.push_back(std::move(chunk));
    lock.unlock();
    changed_.notify_all();
  };
  std::vector<std::byte> in;
  std::size_t in_pos = 0;
  std::uint64_t offset = frame.start;  // of in[in_pos]
  std::vector<std::byte> out = take_chunk();
  std::size_t out_pos = 0;
  bool flushing = false;  // the last call filled the output: zstd may hold more
  std::size_t rc = 1;     // 0: the frame is complete
  while (true) {
    if (in_pos == in.size() && !flushing) {
      std::unique_lock lock(mutex_);
      if (!in.empty()) free_chunks_.push_back(std::move(in));
      in = {};
      in_pos = 0;
      changed_.wait(lock, [&] { return stopping_ || !frame.input.empty() || frame.input_done; });
      if (stopping_) throw Stopped{};
      if (frame.input.empty()) break;  // input_done: every byte taken
      in = std::move(frame.input.front());
      frame.input.pop_front();
      input_held_ -= in.size();
      lock.unlock();
      changed_.notify_all();  // room for the splitter
    }
    const std::size_t slice = std::min(in.size() - in_pos, kZstdSliceBytes);
    ZSTD_inBuffer zin{in.data() + in_pos, slice, 0};
    ZSTD_outBuffer zout{out.data(), out.size(), out_pos};
    rc = ZSTD_decompressStream(context, &zout, &zin);
    if (ZSTD_isError(rc)) {
      const std::uint64_t end = offset + slice;
      const std::uint64_t begin =
          std::max(frame.start, offset > kZstdBlockBytes ? offset - kZstdBlockBytes : 0);
      throw DataError(origin_ + ": corrupt zstd data in compressed bytes " + std::to_string(begin) + ".." +
                          std::to_string(end) + " (of the frame that starts at byte " +
                          std::to_string(frame.start) + "): " + ZSTD_getErrorName(rc),
                      origin_, begin);
    }
    in_pos += zin.pos;
    offset += zin.pos;
    out_pos = zout.pos;
    // A full output may hold back more, unless the frame just ended (rc 0): called again, zstd
    // would begin another frame and want its header.
    flushing = out_pos == out.size() && rc != 0;
    if (out_pos == out.size()) {
      put_output(out, out_pos);
      out = take_chunk();
      out_pos = 0;
    }
  }
  if (out_pos != 0) put_output(out, out_pos);
  if (frame.input_error) std::rethrow_exception(frame.input_error);
  if (rc != 0) {
    if (frame.truncated) {
      throw DataError(origin_ + ": zstd data truncated: the stream ends inside a frame at compressed byte " +
                          std::to_string(offset),
                      origin_, offset);
    }
    throw DataError(origin_ + ": corrupt zstd data: the frame that starts at byte " +
                        std::to_string(frame.start) + " ends (by its block headers) at byte " +
                        std::to_string(offset) + " before zstd has decoded all of it",
                    origin_, frame.start);
  }
}

std::span<const std::byte> ParallelZstdSource::next() {
  std::unique_lock lock(mutex_);
  if (lent_.capacity() != 0) {
    if (free_chunks_.size() < 2 * options_.threads + 4) free_chunks_.push_back(std::move(lent_));
    lent_ = {};
  }
  while (true) {
    // Every thread moves on (inner's waits have timeouts and watch the stop signals), so this ends.
    changed_.wait(lock, [&] {
      return frames_.empty() ? split_done_
                             : (!frames_.front()->output.empty() || frames_.front()->output_done);
    });
    if (frames_.empty()) return {};
    Frame& head = *frames_.front();
    if (!head.output.empty()) {
      lent_ = std::move(head.output.front());
      head.output.pop_front();
      output_held_ -= lent_.size();
      lock.unlock();
      changed_.notify_all();
      return lent_;  // never empty: workers give only whole, non-empty pieces
    }
    if (head.error) std::rethrow_exception(head.error);
    frames_.pop_front();
    changed_.notify_all();  // a new head: its budgets no longer hold it back
  }
}

}  // namespace chanload::io
