#include "pipeline/batch_pool.h"

#include <unistd.h>

namespace chanload::pipeline {

std::size_t BatchSlot::bytes() const {
  return features.size() + labels.size() + indptr.capacity() * sizeof(std::int64_t) +
         indices.capacity() * sizeof(std::int64_t) + values.capacity() * sizeof(float) +
         values_f64.capacity() * sizeof(double) + payloads.capacity() +
         offsets.capacity() * sizeof(std::int64_t);
}

BatchPool::BatchPool(SlotLayout layout, std::size_t slots, std::shared_ptr<memory::DeviceTransfer> transfer)
    : layout_(layout), capacity_(slots), transfer_(std::move(transfer)), owner_pid_(::getpid()) {}

BatchPool::~BatchPool() {
  // In a forked child the device memory is the parent's: not freed here.
  if (!transfer_ || ::getpid() != owner_pid_) return;
  for (auto& slot : slots_) transfer_->free(slot->device);
}

BatchSlot* BatchPool::acquire() {
  std::unique_lock lock(mutex_);
  freed_.wait(lock, [&] { return stopped_ || !free_.empty() || slots_.size() < capacity_; });
  if (stopped_) return nullptr;
  if (!free_.empty()) {
    BatchSlot* slot = free_.back();
    free_.pop_back();
    return slot;
  }
  // Allocate outside the lock: pinned allocations are slow, and nothing else needs this slot yet.
  slots_.push_back(nullptr);
  const std::size_t at = slots_.size() - 1;
  lock.unlock();
  auto slot = std::make_unique<BatchSlot>();
  const std::size_t rows = layout_.batch_size;
  const std::size_t value_bytes = size_of(layout_.dtype);
  if (layout_.kind == BatchKind::kDense)
    slot->features = memory::HostBuffer(rows * layout_.columns * value_bytes, layout_.pinned);
  slot->labels = memory::HostBuffer(rows * layout_.label_size * value_bytes, layout_.pinned);
  if (transfer_ && layout_.kind == BatchKind::kDense) {
    slot->device = transfer_->allocate(slot->features.size(), slot->labels.size());
  }
  BatchSlot* raw = slot.get();
  raw->accounted_bytes = raw->bytes();
  lock.lock();
  slots_[at] = std::move(slot);
  return raw;
}

void BatchPool::release(BatchSlot* slot) {
  if (::getpid() != owner_pid_) return;
  {
    std::lock_guard lock(mutex_);
    if (slot->delivered) {
      slot->delivered = false;
      --delivered_;
    }
    free_.push_back(slot);
  }
  freed_.notify_one();
}

void BatchPool::stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  freed_.notify_all();
}

void BatchPool::mark_delivered(BatchSlot* slot) {
  std::lock_guard lock(mutex_);
  slot->delivered = true;
  ++delivered_;
}

bool BatchPool::all_delivered() const {
  std::lock_guard lock(mutex_);
  return delivered_ == capacity_;
}

void BatchPool::account(BatchSlot* slot) {
  const std::size_t now = slot->bytes();
  std::lock_guard lock(mutex_);
  slot->accounted_bytes = now;
}

std::size_t BatchPool::bytes() const {
  std::lock_guard lock(mutex_);
  std::size_t total = 0;
  for (const auto& slot : slots_)
    if (slot) total += slot->accounted_bytes;
  return total;
}

}  // namespace chanload::pipeline
