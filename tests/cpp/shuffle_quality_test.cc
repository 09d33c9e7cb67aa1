// Shuffle quality: the correlation of delivery and stored positions, merged a batch at a time, equals
// a two-pass computation over the same positions (large offsets included), and objects per batch.
#include "pipeline/shuffle_quality.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

namespace chanload::pipeline {
namespace {

double two_pass_correlation(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxx = 0;
  double syy = 0;
  double sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

// Delivers stored positions in the order given, batch after batch.
ShuffleQuality deliver(const std::vector<std::uint64_t>& stored, std::size_t batch, std::size_t objects = 1,
                       std::uint64_t object_bytes = 1) {
  ShuffleQuality quality(objects);
  for (std::size_t i = 0; i < stored.size(); ++i) {
    quality.record(i, stored[i], static_cast<std::size_t>(stored[i] / object_bytes));
    if ((i + 1) % batch == 0 || i + 1 == stored.size()) quality.end_batch();
  }
  return quality;
}

TEST(ShuffleQuality, StoredOrderIsOneAndReversedIsMinusOne) {
  std::vector<std::uint64_t> stored(10000);
  std::iota(stored.begin(), stored.end(), std::uint64_t{5});
  EXPECT_NEAR(deliver(stored, 256).correlation(), 1.0, 1e-12);
  std::reverse(stored.begin(), stored.end());
  EXPECT_NEAR(deliver(stored, 256).correlation(), -1.0, 1e-12);
}

TEST(ShuffleQuality, BatchMergedCorrelationEqualsTwoPassEvenFarFromZero) {
  std::mt19937_64 rng(9);
  for (const std::uint64_t offset : {std::uint64_t{0}, std::uint64_t{100'000'000'000}}) {
    std::vector<std::uint64_t> stored(50000);
    for (std::size_t i = 0; i < stored.size(); ++i) stored[i] = offset + i * 317 + rng() % 300;
    // Mostly in order, with local swaps: a correlation well away from 0 and 1.
    for (std::size_t i = 0; i + 1 < stored.size(); ++i) {
      if (rng() % 3 == 0) std::swap(stored[i], stored[std::min(stored.size() - 1, i + rng() % 20000)]);
    }
    std::vector<double> x(stored.size());
    std::vector<double> y(stored.size());
    for (std::size_t i = 0; i < stored.size(); ++i) {
      x[i] = static_cast<double>(i);
      y[i] = static_cast<double>(stored[i]);
    }
    EXPECT_NEAR(deliver(stored, 256).correlation(), two_pass_correlation(x, y), 1e-9) << offset;
    EXPECT_NEAR(deliver(stored, 7).correlation(), two_pass_correlation(x, y), 1e-9) << offset;
  }
}

TEST(ShuffleQuality, ObjectsPerBatchCountsDistinctObjects) {
  // 4 objects of 100 positions; batches of 10 alternate between two objects.
  std::vector<std::uint64_t> stored;
  for (std::uint64_t i = 0; i < 100; ++i) stored.push_back((i % 2 == 0 ? 0 : 200) + i);
  EXPECT_DOUBLE_EQ(deliver(stored, 10, 4, 100).objects_per_batch(), 2.0);
  EXPECT_DOUBLE_EQ(ShuffleQuality(4).correlation(), 0.0);  // nothing delivered: 0, not NaN
}

}  // namespace
}  // namespace chanload::pipeline
