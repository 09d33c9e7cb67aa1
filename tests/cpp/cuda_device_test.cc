#include "memory/cuda_device.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace chanload::memory {
namespace {

TEST(CudaDevice, ProbeNeverFailsAndExplainsAMissingDevice) {
  const CudaAvailability cuda = probe_cuda();
  EXPECT_GE(cuda.device_count, 0);
  if (cuda.device_count == 0) {
    EXPECT_FALSE(cuda.reason.empty());
  }
  if (cuda.reason.find("driver version is insufficient") != std::string::npos &&
      !std::filesystem::exists("/dev/nvidiactl")) {
    EXPECT_EQ(cuda.reason.rfind("no NVIDIA driver on this machine (no GPU); ", 0), 0U) << cuda.reason;
  }
#ifdef CHANLOAD_HAVE_CUDA
  EXPECT_TRUE(cuda.built_with_cuda);
  EXPECT_GT(cuda.runtime_version, 0);
#else
  EXPECT_FALSE(cuda.built_with_cuda);
#endif
}

TEST(CudaDevice, SeesADeviceWhereOneIsPresent) {
  const CudaAvailability cuda = probe_cuda();
  if (cuda.device_count == 0) GTEST_SKIP() << "no CUDA device: " << cuda.reason;
  EXPECT_TRUE(cuda.reason.empty());
}

}  // namespace
}  // namespace chanload::memory
