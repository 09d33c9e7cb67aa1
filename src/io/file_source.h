// Reading one file of a File-mode channel: io_uring with several large reads in flight, or pread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "io/byte_source.h"
#include "io/reader_cache.h"

namespace chanload::io {

enum class IoBackend { kAuto, kIoUring, kPread };

struct FileReadOptions {
  std::size_t chunk_bytes = std::size_t{1} << 20;  // one read, one piece handed out
  unsigned queue_depth = 4;                        // io_uring reads in flight
  IoBackend backend = IoBackend::kAuto;
  std::uint64_t begin = 0;  // the first byte read (byte-range sharding); past the end: nothing
  // Buffers and ring carried from one file to the next (a channel's reader keeps one); may be null.
  std::shared_ptr<ReaderCache> cache;
};

// kAuto becomes kIoUring where the kernel allows it (containers with the default seccomp profile
// refuse io_uring_setup) and kPread otherwise. CHANLOAD_IO_BACKEND=pread|io_uring in the environment
// forces one, so both paths can be tested anywhere.
IoBackend resolve_backend(IoBackend requested);
// Whether this kernel and container let a process set up an io_uring (probed once).
bool io_uring_allowed();
std::string_view to_string(IoBackend backend);

// Opens the file now (an IoError naming it if that fails) and reads exactly the bytes it has now;
// a file that shrinks while being read is an IoError.
std::unique_ptr<ByteSource> open_file_source(const std::string& path, const FileReadOptions& options);

}  // namespace chanload::io
