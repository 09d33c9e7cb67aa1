// How mixed a delivery order is, measured as records are delivered, in O(1) a record: the
// correlation of each record's delivery position with its stored position, and the number of
// distinct objects in each batch (a stamp per object instead of a set per batch). The co-moments
// are kept as Welford's (stable over billions of records, where global sums of squares would
// cancel), but merged a batch at a time (Chan's formula): inside a batch, plain sums of positions
// taken relative to the batch's first record, so a record costs a few multiply-adds and no
// division (the batcher is the loader's one serial thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace chanload::pipeline {

class ShuffleQuality {
 public:
  explicit ShuffleQuality(std::size_t objects) : stamp_(objects, 0) {}

  // object: below the count given at construction (larger ones share the last stamp).
  void record(std::uint64_t delivery_position, std::uint64_t stored_position, std::size_t object);
  void end_batch();

  // Pearson's r; 0 until both positions have varied.
  [[nodiscard]] double correlation() const;
  [[nodiscard]] double objects_per_batch() const;

 private:
  void merge_batch();

  // This batch's sums, relative to its first record (x0, y0).
  double batch_n_ = 0;
  double x0_ = 0;
  double y0_ = 0;
  double sx_ = 0;
  double sy_ = 0;
  double sxx_ = 0;
  double syy_ = 0;
  double sxy_ = 0;
  // Every merged batch.
  double count_ = 0;
  double mean_x_ = 0;
  double mean_y_ = 0;
  double m2_x_ = 0;
  double m2_y_ = 0;
  double c_xy_ = 0;
  std::vector<std::uint64_t> stamp_;
  std::uint64_t batch_ = 1;  // stamps equal to it are this batch's objects
  std::uint64_t distinct_ = 0;
  std::uint64_t batches_ = 0;
  std::uint64_t distinct_total_ = 0;
};

}  // namespace chanload::pipeline
