// What one reader keeps from one stream to the next: the page-aligned buffers its file and
// decompressing sources read into, and its io_uring ring. A channel opens a source per file; without
// a cache each file maps, first-touches and unmaps fresh buffers (glibc serves a 1 MiB allocation
// from mmap or a brk it trims again) and sets up a ring of its own, which for 1 MiB files cost five
// times the read itself (chanload_bench_io, channel_files; docs/benchmarks.md).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

struct io_uring;

namespace chanload::io {

class ReaderCache;

// Page-aligned memory of at least the size asked for; handed back to its cache when destroyed (or
// freed, without one). Move-only.
class PageBuffer {
 public:
  PageBuffer() = default;
  // From the cache when it keeps a buffer large enough, else newly allocated; cache may be null.
  PageBuffer(std::size_t bytes, std::shared_ptr<ReaderCache> cache);
  ~PageBuffer();
  PageBuffer(PageBuffer&& other) noexcept;
  PageBuffer& operator=(PageBuffer&& other) noexcept;
  PageBuffer(const PageBuffer&) = delete;
  PageBuffer& operator=(const PageBuffer&) = delete;

  [[nodiscard]] std::byte* data() const { return data_; }
  [[nodiscard]] std::size_t size() const { return size_; }  // what was asked for
  [[nodiscard]] std::size_t capacity() const { return capacity_; }

 private:
  void release() noexcept;

  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  std::shared_ptr<ReaderCache> cache_;
};

class ReaderCache {
 public:
  // Buffers kept at most; one more given back frees the smallest. A reader holds a handful at once
  // (io_uring's slots, a decompressor's output), so this bounds the memory kept at kMaxKept times
  // the largest buffer asked for.
  static constexpr std::size_t kMaxKept = 8;

  ReaderCache() = default;
  ~ReaderCache();
  ReaderCache(const ReaderCache&) = delete;
  ReaderCache& operator=(const ReaderCache&) = delete;

  // A ring of at least `entries`: the cache's kept one when it is large enough, else a new one (an
  // IoError naming `path` when the kernel refuses); cache may be null. Give it back with give_ring,
  // idle (nothing in flight).
  static io_uring* take_ring(const std::shared_ptr<ReaderCache>& cache, unsigned entries,
                             const std::string& path);
  // Keeps ring when none is kept, else tears it down. A null cache just tears it down.
  static void give_ring(const std::shared_ptr<ReaderCache>& cache, io_uring* ring, unsigned entries) noexcept;

  [[nodiscard]] std::size_t kept_buffers() const;
  [[nodiscard]] std::size_t kept_bytes() const;
  // Buffers newly allocated for this cache's readers (a measure of how well it recycles).
  [[nodiscard]] std::size_t allocations() const;

 private:
  friend class PageBuffer;
  struct Kept {
    std::byte* data;
    std::size_t capacity;
  };
  std::pair<std::byte*, std::size_t> take_buffer(std::size_t bytes);
  void give_buffer(std::byte* data, std::size_t capacity) noexcept;

  mutable std::mutex mutex_;
  std::vector<Kept> kept_;
  std::size_t allocations_ = 0;
  io_uring* ring_ = nullptr;
  unsigned ring_entries_ = 0;
};

}  // namespace chanload::io
