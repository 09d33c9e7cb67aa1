// Batch: views of a slot's arrays, and the slot's return to its pool.
#include <chanload/batch.h>
#include <chanload/errors.h>

#include <stdexcept>
#include <string>

#include "pipeline/batch_pool.h"

namespace chanload {

namespace detail {
BatchData::~BatchData() {
  pipeline::BatchSlot* slot = lease.slot();
  if (slot != nullptr && device >= 0) {
    // The consumer's stream may still be reading the device buffers: the next copy into them waits.
    memory::DeviceTransfer::record_release(slot->device, consumer_stream, device);
  }
}
}  // namespace detail

namespace {
template <typename T>
std::span<const T> view(const std::vector<T>& v) {
  return {v.data(), v.size()};
}

// An accessor of one dtype on a batch of the other is a mistake to report, not an empty array.
void require_dtype(const detail::BatchData& data, DType wanted, const char* accessor, const char* instead) {
  if (data.dtype == wanted) return;
  throw ConfigError(std::string("Batch::") + accessor + ": the batch holds " +
                    std::string(to_string(data.dtype)) + " values; use " + instead);
}

template <typename T>
std::span<const T> features_of(const detail::BatchData& data) {
  if (data.kind != BatchKind::kDense) return {};
  return {data.lease.slot()->feature_row<T>(0, data.columns), data.rows * data.columns};
}

template <typename T>
std::span<const T> labels_of(const detail::BatchData& data) {
  if (data.kind == BatchKind::kRaw) return {};
  return {data.lease.slot()->label_row<T>(0, data.label_size), data.rows * data.label_size};
}

template <typename T>
std::span<const T> values_of(const detail::BatchData& data) {
  if (data.kind != BatchKind::kSparse) return {};
  return view(data.lease.slot()->sparse_values<T>());
}
}  // namespace

BatchKind Batch::kind() const { return data_->kind; }
std::size_t Batch::rows() const { return data_->rows; }
std::size_t Batch::padding_rows() const { return data_->padding_rows; }
std::size_t Batch::skipped_records() const { return data_->skipped_records; }
std::size_t Batch::columns() const { return data_->columns; }
std::size_t Batch::label_size() const { return data_->label_size; }
std::uint64_t Batch::epoch() const { return data_->epoch; }
std::uint64_t Batch::index() const { return data_->index; }
bool Batch::last_in_epoch() const { return data_->last_in_epoch; }
DType Batch::dtype() const { return data_->dtype; }
bool Batch::pinned() const { return data_->pinned; }
int Batch::device() const { return data_->device; }

std::span<const float> Batch::features() const {
  if (data_->kind != BatchKind::kDense) return {};
  require_dtype(*data_, DType::kFloat32, "features()", "features_f64()");
  return features_of<float>(*data_);
}
std::span<const double> Batch::features_f64() const {
  if (data_->kind != BatchKind::kDense) return {};
  require_dtype(*data_, DType::kFloat64, "features_f64()", "features()");
  return features_of<double>(*data_);
}

std::span<const float> Batch::labels() const {
  if (data_->kind == BatchKind::kRaw) return {};
  require_dtype(*data_, DType::kFloat32, "labels()", "labels_f64()");
  return labels_of<float>(*data_);
}
std::span<const double> Batch::labels_f64() const {
  if (data_->kind == BatchKind::kRaw) return {};
  require_dtype(*data_, DType::kFloat64, "labels_f64()", "labels()");
  return labels_of<double>(*data_);
}

std::span<const std::int64_t> Batch::indptr() const {
  return data_->kind == BatchKind::kSparse ? view(data_->lease.slot()->indptr)
                                           : std::span<const std::int64_t>{};
}
std::span<const std::int64_t> Batch::indices() const {
  return data_->kind == BatchKind::kSparse ? view(data_->lease.slot()->indices)
                                           : std::span<const std::int64_t>{};
}
std::span<const float> Batch::values() const {
  if (data_->kind != BatchKind::kSparse) return {};
  require_dtype(*data_, DType::kFloat32, "values()", "values_f64()");
  return values_of<float>(*data_);
}
std::span<const double> Batch::values_f64() const {
  if (data_->kind != BatchKind::kSparse) return {};
  require_dtype(*data_, DType::kFloat64, "values_f64()", "values()");
  return values_of<double>(*data_);
}
std::span<const std::byte> Batch::payloads() const {
  return data_->kind == BatchKind::kRaw ? view(data_->lease.slot()->payloads) : std::span<const std::byte>{};
}
std::span<const std::int64_t> Batch::offsets() const {
  return data_->kind == BatchKind::kRaw ? view(data_->lease.slot()->offsets)
                                        : std::span<const std::int64_t>{};
}

std::span<const std::byte> Batch::payload(std::size_t row) const {
  if (data_->kind != BatchKind::kRaw || row >= data_->rows)
    throw std::out_of_range("Batch::payload: row " + std::to_string(row) + " of a raw batch of " +
                            std::to_string(data_->kind == BatchKind::kRaw ? data_->rows : 0));
  const auto& slot = *data_->lease.slot();
  const auto begin = static_cast<std::size_t>(slot.offsets[row]);
  const auto end = static_cast<std::size_t>(slot.offsets[row + 1]);
  return std::span<const std::byte>(slot.payloads).subspan(begin, end - begin);
}

const float* Batch::device_features() const {
  if (data_->kind == BatchKind::kDense)
    require_dtype(*data_, DType::kFloat32, "device_features()", "device_features_data()");
  return static_cast<const float*>(device_features_data());
}
const float* Batch::device_labels() const {
  if (data_->kind == BatchKind::kDense)
    require_dtype(*data_, DType::kFloat32, "device_labels()", "device_labels_data()");
  return static_cast<const float*>(device_labels_data());
}
const void* Batch::device_features_data() const {
  return data_->device >= 0 ? data_->lease.slot()->device.features : nullptr;
}
const void* Batch::device_labels_data() const {
  return data_->device >= 0 ? data_->lease.slot()->device.labels : nullptr;
}
void* Batch::ready_event() const { return data_->device >= 0 ? data_->lease.slot()->device.copied : nullptr; }

void Batch::wait_on(void* cuda_stream) const {
  if (data_->device < 0) return;  // host batches are ready when next() returns them
  memory::DeviceTransfer::wait(data_->lease.slot()->device.copied, cuda_stream);
  data_->consumer_stream = cuda_stream;
}

void Batch::synchronize() const {
  if (data_->device < 0) return;
  memory::DeviceTransfer::synchronize(data_->lease.slot()->device.copied);
}

}  // namespace chanload
