#include "io/file_source.h"

#include <chanload/errors.h>
#include <fcntl.h>
#include <liburing.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

namespace chanload::io {
namespace {

std::string errno_text(int error) { return std::strerror(error); }

class FileDescriptor {
 public:
  explicit FileDescriptor(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw IoError(path + ": cannot open: " + errno_text(errno), path);
  }
  ~FileDescriptor() { ::close(fd_); }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

std::uint64_t file_size(int fd, const std::string& path) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) throw IoError(path + ": fstat: " + errno_text(errno), path);
  if (S_ISDIR(info.st_mode)) throw IoError(path + ": is a directory", path);
  return static_cast<std::uint64_t>(info.st_size);
}

// Reads exactly length bytes at offset, retrying short reads; an early end means the file shrank.
void pread_exactly(int fd, const std::string& path, std::byte* out, std::size_t length, std::uint64_t offset,
                   std::uint64_t expected_size) {
  std::size_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, out + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw IoError(path + ": read at byte " + std::to_string(offset + done) + ": " + errno_text(errno), path,
                    offset + done);
    }
    if (n == 0) {
      throw IoError(path + ": ended at byte " + std::to_string(offset + done) + " of " +
                        std::to_string(expected_size) + ": the file shrank while it was read",
                    path, offset + done);
    }
    done += static_cast<std::size_t>(n);
  }
}

class PreadFileSource final : public ByteSource {
 public:
  PreadFileSource(const std::string& path, const FileReadOptions& options)
      : path_(path),
        file_(path),
        size_(file_size(file_.get(), path)),
        chunk_(options.chunk_bytes),
        buffer_(size_ == 0 ? 1 : std::min<std::uint64_t>(size_, chunk_), options.cache),
        offset_(options.begin) {}

  std::span<const std::byte> next() override {
    if (offset_ >= size_) return {};
    const std::size_t length = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_, size_ - offset_));
    pread_exactly(file_.get(), path_, buffer_.data(), length, offset_, size_);
    offset_ += length;
    return {buffer_.data(), length};
  }
  [[nodiscard]] const std::string& origin() const override { return path_; }

 private:
  std::string path_;
  FileDescriptor file_;
  std::uint64_t size_;
  std::size_t chunk_;
  PageBuffer buffer_;
  std::uint64_t offset_ = 0;
};

// Keeps queue_depth reads of chunk_bytes in flight; piece k of the file is read into slot k % depth.
// A slot is resubmitted for the piece depth ahead once the consumer has moved past it.
class UringFileSource final : public ByteSource {
 public:
  UringFileSource(const std::string& path, const FileReadOptions& options)
      : path_(path),
        file_(path),
        size_(file_size(file_.get(), path)),
        chunk_(options.chunk_bytes),
        cache_(options.cache),
        ring_entries_(options.queue_depth * 2),
        ring_(ReaderCache::take_ring(cache_, ring_entries_, path)),
        base_(std::min(options.begin, size_)),
        pieces_((size_ - base_ + chunk_ - 1) / chunk_) {
    try {
      const std::uint64_t depth = std::min<std::uint64_t>(options.queue_depth, pieces_);
      slots_.reserve(depth);
      for (std::uint64_t i = 0; i < depth; ++i) slots_.emplace_back(chunk_, cache_);
      for (std::uint64_t i = 0; i < depth; ++i) submit(i);
    } catch (...) {
      settle();
      throw;
    }
  }

  ~UringFileSource() override { settle(); }
  UringFileSource(const UringFileSource&) = delete;
  UringFileSource& operator=(const UringFileSource&) = delete;

  std::span<const std::byte> next() override {
    if (lent_) {  // the consumer is done with the previous piece: reuse its slot
      lent_ = false;
      const std::uint64_t ahead = delivered_ - 1 + slots_.size();
      if (ahead < pieces_) submit(ahead);
    }
    if (delivered_ >= pieces_) return {};
    Slot& slot = slots_[delivered_ % slots_.size()];
    while (!slot.done) reap_one();
    const std::uint64_t offset = base_ + delivered_ * chunk_;
    const std::size_t length = piece_length(delivered_);
    if (slot.result < 0) {
      throw IoError(path_ + ": read at byte " + std::to_string(offset) + ": " + errno_text(-slot.result),
                    path_, offset);
    }
    if (static_cast<std::size_t>(slot.result) < length) {  // short read: finish it synchronously
      const auto got = static_cast<std::size_t>(slot.result);
      pread_exactly(file_.get(), path_, slot.buffer.data() + got, length - got, offset + got, size_);
    }
    ++delivered_;
    lent_ = true;
    return {slot.buffer.data(), length};
  }
  [[nodiscard]] const std::string& origin() const override { return path_; }

 private:
  struct Slot {
    Slot(std::size_t bytes, std::shared_ptr<ReaderCache> cache) : buffer(bytes, std::move(cache)) {}
    PageBuffer buffer;
    bool done = false;
    int result = 0;
  };

  // The kernel may still write into slots: collect every completion before the buffers go. An idle
  // ring goes back to the cache for the next file; one that would not settle is torn down.
  void settle() noexcept {
    while (in_flight_ > 0) {
      io_uring_cqe* cqe = nullptr;
      if (io_uring_wait_cqe(ring_, &cqe) < 0) break;
      io_uring_cqe_seen(ring_, cqe);
      --in_flight_;
    }
    ReaderCache::give_ring(in_flight_ == 0 ? cache_ : nullptr, ring_, ring_entries_);
    ring_ = nullptr;
  }

  [[nodiscard]] std::size_t piece_length(std::uint64_t piece) const {
    return static_cast<std::size_t>(std::min<std::uint64_t>(chunk_, size_ - base_ - piece * chunk_));
  }

  void submit(std::uint64_t piece) {
    Slot& slot = slots_[piece % slots_.size()];
    slot.done = false;
    io_uring_sqe* sqe = io_uring_get_sqe(ring_);
    if (sqe == nullptr)
      throw IoError(path_ + ": io_uring submission queue full", path_, base_ + piece * chunk_);
    io_uring_prep_read(sqe, file_.get(), slot.buffer.data(), static_cast<unsigned>(piece_length(piece)),
                       base_ + piece * chunk_);
    io_uring_sqe_set_data64(sqe, piece % slots_.size());
    const int submitted = io_uring_submit(ring_);
    if (submitted < 0) {
      throw IoError(path_ + ": io_uring submit: " + errno_text(-submitted), path_, base_ + piece * chunk_);
    }
    ++in_flight_;
  }

  void reap_one() {
    io_uring_cqe* cqe = nullptr;
    int rc = 0;
    do {
      rc = io_uring_wait_cqe(ring_, &cqe);
    } while (rc == -EINTR);
    if (rc < 0)
      throw IoError(path_ + ": io_uring wait: " + errno_text(-rc), path_, base_ + delivered_ * chunk_);
    Slot& slot = slots_[io_uring_cqe_get_data64(cqe)];
    slot.result = cqe->res;
    slot.done = true;
    io_uring_cqe_seen(ring_, cqe);
    --in_flight_;
  }

  std::string path_;
  FileDescriptor file_;
  std::uint64_t size_;
  std::size_t chunk_;
  std::shared_ptr<ReaderCache> cache_;
  unsigned ring_entries_;
  io_uring* ring_;
  std::uint64_t base_;  // the first byte read
  std::uint64_t pieces_;
  std::vector<Slot> slots_;
  std::uint64_t delivered_ = 0;
  unsigned in_flight_ = 0;
  bool lent_ = false;
};

}  // namespace

bool io_uring_allowed() {
  static const bool allowed = [] {
    io_uring ring{};
    const int rc = io_uring_queue_init(2, &ring, 0);
    if (rc < 0) return false;  // ENOSYS (old kernel), EPERM (seccomp, io_uring_disabled)
    io_uring_queue_exit(&ring);
    return true;
  }();
  return allowed;
}

std::string_view to_string(IoBackend backend) {
  switch (backend) {
    case IoBackend::kAuto:
      return "auto";
    case IoBackend::kIoUring:
      return "io_uring";
    case IoBackend::kPread:
      return "pread";
  }
  return "?";
}

IoBackend resolve_backend(IoBackend requested) {
  if (requested == IoBackend::kAuto) {
    if (const char* forced = std::getenv("CHANLOAD_IO_BACKEND")) {
      const std::string_view value(forced);
      if (value == "pread") return IoBackend::kPread;
      if (value == "io_uring") requested = IoBackend::kIoUring;
    }
  }
  if (requested == IoBackend::kPread) return IoBackend::kPread;
  if (io_uring_allowed()) return IoBackend::kIoUring;
  if (requested == IoBackend::kIoUring) {
    throw IoError("io_uring was asked for, but this kernel or container refuses io_uring_setup", "io_uring");
  }
  return IoBackend::kPread;
}

std::unique_ptr<ByteSource> open_file_source(const std::string& path, const FileReadOptions& options) {
  const IoBackend backend = resolve_backend(options.backend);
  if (backend == IoBackend::kIoUring) {
    // A file that fits in one piece gains nothing from a queue: read it with one pread.
    struct stat info {};
    const bool small = ::stat(path.c_str(), &info) == 0 &&
                       static_cast<std::uint64_t>(info.st_size) <= options.begin + options.chunk_bytes;
    if (!small) return std::make_unique<UringFileSource>(path, options);
  }
  return std::make_unique<PreadFileSource>(path, options);
}

}  // namespace chanload::io
