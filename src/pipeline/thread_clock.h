// CPU time of the calling thread: what a stage's work cost, whatever else ran on its cores.
#pragma once

#include <ctime>

namespace chanload::pipeline {

// Seconds of CPU this thread has used (CLOCK_THREAD_CPUTIME_ID, a system call of about 0.1-0.5 us:
// read per task, per unit or per epoch, never per record).
inline double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

}  // namespace chanload::pipeline
