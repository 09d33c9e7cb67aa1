// CPU time of the calling thread: what a stage's work cost, whatever else ran on its cores. And a
// tally the helper threads of a source (read ahead, zstd frames at once) add their CPU time to when
// they end, so that the stage that owns the source counts work done off its own threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>
#include <memory>

namespace chanload::io {

// Seconds of CPU this thread has used (CLOCK_THREAD_CPUTIME_ID, a system call of about 0.1-0.5 us:
// read per task, per unit or per epoch, never per record).
inline double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// Nanoseconds of CPU, summed over threads; shared by the stage and the sources it opens.
using CpuTally = std::shared_ptr<std::atomic<std::uint64_t>>;

// Put at the top of a helper thread's function: when the thread ends (returns or unwinds), its
// whole CPU time goes to the tally (which may be null: nothing is counted).
class TallyOnExit {
 public:
  explicit TallyOnExit(CpuTally tally) : tally_(std::move(tally)) {}
  ~TallyOnExit() {
    if (tally_) tally_->fetch_add(static_cast<std::uint64_t>(thread_cpu_seconds() * 1e9));
  }
  TallyOnExit(const TallyOnExit&) = delete;
  TallyOnExit& operator=(const TallyOnExit&) = delete;

 private:
  CpuTally tally_;
};

}  // namespace chanload::io
