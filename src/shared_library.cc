// The shared library (libchanload.so) is the static library's objects, whole; this file gives the
// target the one source CMake needs and a C symbol to check a loaded library's version with dlsym.
#include <chanload/version.h>

extern "C" __attribute__((visibility("default"))) const char* chanload_version() {
  return chanload::kVersion;
}
