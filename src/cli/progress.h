// A one-line progress display on a terminal for commands that run a while: nothing for the first
// second (short runs stay quiet) and nothing at all when the stream is not a terminal (logs and
// pipes get only the results). A ticker thread redraws the line with the elapsed time, so a long
// step still shows it is alive.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace chanload::cli {

class ProgressLine {
 public:
  // stream: where the line goes (stderr); enabled: false turns it off whatever the stream is.
  ProgressLine(std::FILE* stream, bool enabled);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // The step now under way; shown (replacing the last) once the run is older than a second.
  void step(const std::string& text);
  // Clears the line, so what is printed next starts clean.
  void clear();

  [[nodiscard]] bool active() const { return enabled_; }

 private:
  void show();  // with mutex_ held
  std::FILE* stream_;
  bool enabled_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool shown_ = false;
  std::size_t steps_ = 0;
  std::string text_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::thread ticker_;
};

}  // namespace chanload::cli
