// The loader's random numbers: splitmix64, whose output is fixed by its definition (unlike the
// standard library's distributions), so a shuffle is the same on every platform and compiler.
#pragma once

#include <cstdint>

namespace chanload::pipeline {

constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}

__extension__ using Uint128 = unsigned __int128;  // GCC and Clang; __extension__ keeps -Wpedantic quiet

class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    const std::uint64_t out = splitmix64(state_);  // splitmix64 adds the increment itself
    state_ += 0x9E3779B97F4A7C15ULL;
    return out;
  }
  // Uniform in [0, bound), bound > 0 (Lemire's multiply-shift; the bias is below 2^-40 for the
  // window sizes used here).
  std::uint64_t below(std::uint64_t bound) {
    return static_cast<std::uint64_t>((static_cast<Uint128>(next()) * bound) >> 64U);
  }

 private:
  std::uint64_t state_;
};

// The shuffle's seed for one epoch of one shard.
constexpr std::uint64_t epoch_seed(std::uint64_t seed, std::uint64_t epoch, std::uint64_t num_shards,
                                   std::uint64_t shard_index) {
  return splitmix64(splitmix64(seed) ^ splitmix64(epoch + 0x51ED270B27F3A5C9ULL) ^
                    splitmix64((num_shards << 32U) ^ shard_index));
}

}  // namespace chanload::pipeline
