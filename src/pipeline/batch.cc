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
bool Batch::pinned() const { return data_->pinned; }
int Batch::device() const { return data_->device; }

std::span<const float> Batch::features() const {
  if (data_->kind != BatchKind::kDense) return {};
  return {data_->lease.slot()->feature_row(0, data_->columns), data_->rows * data_->columns};
}

std::span<const float> Batch::labels() const {
  if (data_->kind == BatchKind::kRaw) return {};
  return {data_->lease.slot()->label_row(0, data_->label_size), data_->rows * data_->label_size};
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
  return data_->kind == BatchKind::kSparse ? view(data_->lease.slot()->values) : std::span<const float>{};
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
  return data_->device >= 0 ? static_cast<const float*>(data_->lease.slot()->device.features) : nullptr;
}
const float* Batch::device_labels() const {
  return data_->device >= 0 ? static_cast<const float*>(data_->lease.slot()->device.labels) : nullptr;
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
