#include "cli/progress.h"

#include <unistd.h>

namespace chanload::cli {

ProgressLine::ProgressLine(std::FILE* stream, bool enabled)
    : stream_(stream), enabled_(enabled && ::isatty(::fileno(stream)) != 0) {
  if (!enabled_) return;
  ticker_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopping_; })) show();
  });
}

ProgressLine::~ProgressLine() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  clear();
}

void ProgressLine::step(const std::string& text) {
  const std::lock_guard lock(mutex_);
  ++steps_;
  text_ = text;
  show();
}

void ProgressLine::show() {
  if (!enabled_ || steps_ == 0) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (elapsed < 1.0) return;
  // \r and "erase line" rewrite the one line in place.
  std::fprintf(stream_, "\r\033[K[%zu] %s ... %.0f s", steps_, text_.c_str(), elapsed);
  std::fflush(stream_);
  shown_ = true;
}

void ProgressLine::clear() {
  const std::lock_guard lock(mutex_);
  if (!shown_) return;
  std::fprintf(stream_, "\r\033[K");
  std::fflush(stream_);
  shown_ = false;
}

}  // namespace chanload::cli
