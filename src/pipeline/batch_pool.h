// The loader's batch buffers: a fixed number of slots, each allocated once (on first use) and reused
// for every batch after. A slot goes back to the pool when the last Batch that shows it is gone,
// which may be after the loader itself is gone: the pool lives as long as any of its slots is out.
#pragma once

#include <sys/types.h>

#include <chanload/batch.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>
#include <vector>

#include "memory/device_transfer.h"
#include "memory/host_buffer.h"

namespace chanload::pipeline {

struct SlotLayout {
  BatchKind kind = BatchKind::kDense;
  std::size_t batch_size = 0;
  std::size_t columns = 0;     // dense: values per row of features
  std::size_t label_size = 0;  // values per row of labels (dense and sparse)
  DType dtype = DType::kFloat32;
  bool pinned = false;  // cudaMallocHost when the build and the machine allow
};

struct BatchSlot {
  memory::HostBuffer features;  // dense: batch_size x columns values of the layout's dtype
  memory::HostBuffer labels;    // dense and sparse: batch_size x label_size values
  std::vector<std::int64_t> indptr;
  std::vector<std::int64_t> indices;
  std::vector<float> values;       // sparse float32
  std::vector<double> values_f64;  // sparse float64
  std::vector<std::byte> payloads;
  std::vector<std::int64_t> offsets;
  memory::DeviceBuffers device;
  bool delivered = false;           // with the consumer now (guarded by the pool's mutex)
  std::size_t accounted_bytes = 0;  // bytes() when last accounted (guarded by the pool's mutex)

  // T is the layout's value type: float or double.
  template <typename T>
  [[nodiscard]] T* feature_row(std::size_t row, std::size_t columns) const {
    return reinterpret_cast<T*>(features.data()) + row * columns;
  }
  template <typename T>
  [[nodiscard]] T* label_row(std::size_t row, std::size_t label_size) const {
    return reinterpret_cast<T*>(labels.data()) + row * label_size;
  }
  template <typename T>
  [[nodiscard]] std::vector<T>& sparse_values() {
    if constexpr (std::is_same_v<T, float>) {
      return values;
    } else {
      return values_f64;
    }
  }
  [[nodiscard]] std::size_t bytes() const;
};

class BatchPool : public std::enable_shared_from_this<BatchPool> {
 public:
  BatchPool(SlotLayout layout, std::size_t slots, std::shared_ptr<memory::DeviceTransfer> transfer);
  ~BatchPool();
  BatchPool(const BatchPool&) = delete;
  BatchPool& operator=(const BatchPool&) = delete;

  // A free slot, allocating it the first time; waits while none is free. nullptr once stopped.
  BatchSlot* acquire();
  // Gives the slot back. In a process forked from the pool's (a batch that survived into a
  // multiprocessing child) it does nothing: the pool's mutex may have been held by one of the
  // parent's threads at the fork, and the child must never wait on it; the child's copy is leaked.
  void release(BatchSlot* slot);
  void stop();

  void mark_delivered(BatchSlot* slot);
  // Every slot is with the consumer: the loader can make no batch until one comes back.
  [[nodiscard]] bool all_delivered() const;
  // Records what a slot holds now; called by the thread that holds the slot, after it grows.
  void account(BatchSlot* slot);
  [[nodiscard]] std::size_t bytes() const;  // host memory held by the slots made so far
  [[nodiscard]] std::size_t capacity() const { return capacity_; }

 private:
  SlotLayout layout_;
  std::size_t capacity_;
  std::shared_ptr<memory::DeviceTransfer> transfer_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<BatchSlot>> slots_;
  std::vector<BatchSlot*> free_;
  std::size_t delivered_ = 0;
  bool stopped_ = false;
  pid_t owner_pid_;  // the process that made the pool: the only one whose threads use it
};

// Holds a slot and gives it back to its pool when destroyed.
class SlotLease {
 public:
  SlotLease() = default;
  SlotLease(std::shared_ptr<BatchPool> pool, BatchSlot* slot) : pool_(std::move(pool)), slot_(slot) {}
  ~SlotLease() { reset(); }
  SlotLease(SlotLease&& other) noexcept
      : pool_(std::move(other.pool_)), slot_(std::exchange(other.slot_, nullptr)) {}
  SlotLease& operator=(SlotLease&& other) noexcept {
    if (this != &other) {
      reset();
      pool_ = std::move(other.pool_);
      slot_ = std::exchange(other.slot_, nullptr);
    }
    return *this;
  }
  SlotLease(const SlotLease&) = delete;
  SlotLease& operator=(const SlotLease&) = delete;

  [[nodiscard]] BatchSlot* slot() const { return slot_; }
  [[nodiscard]] BatchPool* pool() const { return pool_.get(); }
  void reset() {
    if (slot_ != nullptr) pool_->release(slot_);
    slot_ = nullptr;
    pool_.reset();
  }

 private:
  std::shared_ptr<BatchPool> pool_;
  BatchSlot* slot_ = nullptr;
};

}  // namespace chanload::pipeline

namespace chanload::detail {

// What a Batch shows: views into a slot, which the lease keeps out of the pool.
struct BatchData {
  BatchKind kind = BatchKind::kDense;
  std::size_t rows = 0;
  std::size_t padding_rows = 0;
  std::size_t skipped_records = 0;
  std::size_t columns = 0;
  std::size_t label_size = 0;
  DType dtype = DType::kFloat32;
  std::uint64_t epoch = 0;
  std::uint64_t index = 0;
  bool last_in_epoch = false;
  bool pinned = false;
  int device = -1;
  mutable void* consumer_stream = nullptr;  // the stream last given to wait_on: released after its work
  pipeline::SlotLease lease;

  ~BatchData();
  BatchData() = default;
  BatchData(const BatchData&) = delete;
  BatchData& operator=(const BatchData&) = delete;
};

}  // namespace chanload::detail
