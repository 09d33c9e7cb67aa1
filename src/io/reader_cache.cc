#include "io/reader_cache.h"

#include <chanload/errors.h>
#include <liburing.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace chanload::io {
namespace {

constexpr std::size_t kPage = 4096;

std::pair<std::byte*, std::size_t> allocate_pages(std::size_t bytes) {
  const std::size_t capacity = std::max<std::size_t>(kPage, (bytes + kPage - 1) / kPage * kPage);
  auto* data = static_cast<std::byte*>(std::aligned_alloc(kPage, capacity));
  if (data == nullptr) throw std::bad_alloc();
  return {data, capacity};
}

void tear_down(io_uring* ring) noexcept {
  if (ring == nullptr) return;
  io_uring_queue_exit(ring);
  delete ring;
}

}  // namespace

PageBuffer::PageBuffer(std::size_t bytes, std::shared_ptr<ReaderCache> cache)
    : size_(bytes), cache_(std::move(cache)) {
  std::tie(data_, capacity_) = cache_ ? cache_->take_buffer(bytes) : allocate_pages(bytes);
}

PageBuffer::~PageBuffer() { release(); }

PageBuffer::PageBuffer(PageBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)),
      cache_(std::move(other.cache_)) {}

PageBuffer& PageBuffer::operator=(PageBuffer&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    cache_ = std::move(other.cache_);
  }
  return *this;
}

void PageBuffer::release() noexcept {
  if (data_ == nullptr) return;
  if (cache_) {
    cache_->give_buffer(data_, capacity_);
  } else {
    std::free(data_);
  }
  data_ = nullptr;
  cache_.reset();
}

ReaderCache::~ReaderCache() {
  for (const Kept& kept : kept_) std::free(kept.data);
  tear_down(ring_);
}

std::pair<std::byte*, std::size_t> ReaderCache::take_buffer(std::size_t bytes) {
  {
    const std::lock_guard lock(mutex_);
    // The smallest kept buffer that fits, so a large one stays for a large request.
    auto best = kept_.end();
    for (auto it = kept_.begin(); it != kept_.end(); ++it) {
      if (it->capacity >= bytes && (best == kept_.end() || it->capacity < best->capacity)) best = it;
    }
    if (best != kept_.end()) {
      const Kept taken = *best;
      kept_.erase(best);
      return {taken.data, taken.capacity};
    }
    ++allocations_;
  }
  return allocate_pages(bytes);
}

void ReaderCache::give_buffer(std::byte* data, std::size_t capacity) noexcept {
  std::byte* freed = data;
  {
    const std::lock_guard lock(mutex_);
    if (kept_.size() < kMaxKept) {
      kept_.push_back({data, capacity});
      freed = nullptr;
    } else {
      auto smallest = std::min_element(kept_.begin(), kept_.end(),
                                       [](const Kept& a, const Kept& b) { return a.capacity < b.capacity; });
      if (smallest->capacity < capacity) {
        freed = smallest->data;
        *smallest = {data, capacity};
      }
    }
  }
  std::free(freed);
}

io_uring* ReaderCache::take_ring(const std::shared_ptr<ReaderCache>& cache, unsigned entries,
                                 const std::string& path) {
  if (cache) {
    const std::lock_guard lock(cache->mutex_);
    if (cache->ring_ != nullptr && cache->ring_entries_ >= entries) {
      cache->ring_entries_ = 0;
      return std::exchange(cache->ring_, nullptr);
    }
  }
  auto* ring = new io_uring{};
  const int rc = io_uring_queue_init(entries, ring, 0);
  if (rc < 0) {
    delete ring;
    throw IoError(path + ": io_uring_queue_init: " + std::strerror(-rc), path);
  }
  return ring;
}

void ReaderCache::give_ring(const std::shared_ptr<ReaderCache>& cache, io_uring* ring,
                            unsigned entries) noexcept {
  if (cache) {
    const std::lock_guard lock(cache->mutex_);
    if (cache->ring_ == nullptr) {
      cache->ring_ = ring;
      cache->ring_entries_ = entries;
      return;
    }
  }
  tear_down(ring);
}

std::size_t ReaderCache::kept_buffers() const {
  const std::lock_guard lock(mutex_);
  return kept_.size();
}

std::size_t ReaderCache::kept_bytes() const {
  const std::lock_guard lock(mutex_);
  std::size_t bytes = 0;
  for (const Kept& kept : kept_) bytes += kept.capacity;
  return bytes;
}

std::size_t ReaderCache::allocations() const {
  const std::lock_guard lock(mutex_);
  return allocations_;
}

}  // namespace chanload::io
