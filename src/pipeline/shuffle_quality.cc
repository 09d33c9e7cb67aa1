#include "pipeline/shuffle_quality.h"

#include <algorithm>
#include <cmath>

namespace chanload::pipeline {

void ShuffleQuality::record(std::uint64_t delivery_position, std::uint64_t stored_position,
                            std::size_t object) {
  const auto x = static_cast<double>(delivery_position);
  const auto y = static_cast<double>(stored_position);
  if (batch_n_ == 0) {
    x0_ = x;
    y0_ = y;
  }
  const double dx = x - x0_;
  const double dy = y - y0_;
  batch_n_ += 1;
  sx_ += dx;
  sy_ += dy;
  sxx_ += dx * dx;
  syy_ += dy * dy;
  sxy_ += dx * dy;
  if (stamp_.empty()) return;
  std::uint64_t& stamp = stamp_[std::min(object, stamp_.size() - 1)];
  if (stamp != batch_) {
    stamp = batch_;
    ++distinct_;
  }
}

// Chan et al.'s pairwise update: the batch's count, means and co-moments joined to the totals.
void ShuffleQuality::merge_batch() {
  if (batch_n_ == 0) return;
  const double n = batch_n_;
  const double mean_x = x0_ + sx_ / n;
  const double mean_y = y0_ + sy_ / n;
  const double m2_x = sxx_ - sx_ * sx_ / n;
  const double m2_y = syy_ - sy_ * sy_ / n;
  const double c_xy = sxy_ - sx_ * sy_ / n;
  const double total = count_ + n;
  const double dx = mean_x - mean_x_;
  const double dy = mean_y - mean_y_;
  const double weight = count_ * n / total;
  m2_x_ += m2_x + dx * dx * weight;
  m2_y_ += m2_y + dy * dy * weight;
  c_xy_ += c_xy + dx * dy * weight;
  mean_x_ += dx * n / total;
  mean_y_ += dy * n / total;
  count_ = total;
  batch_n_ = sx_ = sy_ = sxx_ = syy_ = sxy_ = 0;
}

void ShuffleQuality::end_batch() {
  merge_batch();
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
