#include "memory/cuda_device.h"
#include "memory/host_buffer.h"

#include <gtest/gtest.h>

#include <cstdint>
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

namespace chanload::memory {
namespace {

// Regression: asking for pinned memory on a machine without a device threw (cudaMallocHost failed)
// instead of giving ordinary memory as HostBuffer promises.
TEST(HostBuffer, PinnedIsHonouredOnlyWhereADeviceIs) {
  const HostBuffer buffer(10000, true);
  ASSERT_NE(buffer.data(), nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(buffer.data()) % 4096, 0U);  // page-aligned either way
  EXPECT_EQ(buffer.size(), 10000U);
  EXPECT_EQ(buffer.pinned(), probe_cuda().device_count > 0);
  buffer.data()[9999] = std::byte{1};  // writable to its end

  HostBuffer moved(HostBuffer(100, false));
  EXPECT_FALSE(moved.pinned());
  EXPECT_NE(moved.data(), nullptr);
}

}  // namespace
}  // namespace chanload::memory
