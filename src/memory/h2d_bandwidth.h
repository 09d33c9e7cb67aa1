// Host-to-device copy bandwidth of one GPU, for sizing: cudaMemcpyAsync of batch-sized blocks on one
// stream, from pinned memory (what the loader copies from) and from pageable memory (what a loader
// without pinned buffers would copy from).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace chanload::memory {

struct H2dBandwidth {
  std::size_t block_bytes = 0;
  double pinned_bytes_per_second = 0;
  double pageable_bytes_per_second = 0;
};

// Copies blocks for at least min_seconds from each kind of memory to device `device`. nullopt, with
// why_not saying why, without a CUDA build or a device; chanload::Error when a CUDA call fails.
std::optional<H2dBandwidth> measure_h2d_bandwidth(int device, std::size_t block_bytes, double min_seconds,
                                                  std::string& why_not);

}  // namespace chanload::memory
