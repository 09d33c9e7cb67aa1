#include "pipeline/shuffle_quality.h"

#include <algorithm>
#include <cmath>

namespace chanload::pipeline {

void ShuffleQuality::record(std::uint64_t delivery_position, std::uint64_t stored_position,
                            std::size_t object) {
  const auto x = static_cast<double>(delivery_position);
  const auto y = static_cast<double>(stored_position);
  count_ += 1;
  const double dx = x - mean_x_;
  mean_x_ += dx / count_;
  const double dy = y - mean_y_;
  mean_y_ += dy / count_;
  m2_x_ += dx * (x - mean_x_);
  m2_y_ += dy * (y - mean_y_);
  c_xy_ += dx * (y - mean_y_);
  if (stamp_.empty()) return;
  std::uint64_t& stamp = stamp_[std::min(object, stamp_.size() - 1)];
  if (stamp != batch_) {
    stamp = batch_;
    ++distinct_;
  }
}

void ShuffleQuality::end_batch() {
  if (distinct_ == 0) return;
  ++batches_;
  distinct_total_ += distinct_;
  distinct_ = 0;
  ++batch_;
}

double ShuffleQuality::correlation() const {
  if (m2_x_ <= 0 || m2_y_ <= 0) return 0;
  return c_xy_ / std::sqrt(m2_x_ * m2_y_);
}

double ShuffleQuality::objects_per_batch() const {
  return batches_ == 0 ? 0 : static_cast<double>(distinct_total_) / static_cast<double>(batches_);
}

}  // namespace chanload::pipeline
