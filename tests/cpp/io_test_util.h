// Helpers for the I/O tests: whole-stream reads, deterministic data, FIFO writers in threads or
// in child processes.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <chrono>
#include <cstddef>
#include <random>
#include <span>
#include <string>
#include <thread>

#include "io/byte_source.h"
#include "io/gzip_writer.h"

namespace chanload::testing {

inline std::string drain(io::ByteSource& source) {
  std::string out;
  while (true) {
    const auto piece = source.next();
    if (piece.empty()) return out;
    out.append(reinterpret_cast<const char*>(piece.data()), piece.size());
  }
}

inline std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(generator() & 0xFF);
  return out;
}

inline std::span<const std::byte> as_bytes(const std::string& text) {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

// text as one gzip member (ISA-L, as pipe-feed --gzip writes it).
inline std::string gzip_member(const std::string& text) {
  std::string out;
  io::GzipWriter gzip([&](std::span<const std::byte> bytes) {
    out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  });
  gzip.write(std::as_bytes(std::span(text)));
  gzip.finish_member();
  return out;
}

// One zstd frame of text; `declared` writes the content size in its header, `checksum` the 4-byte
// checksum after its last block.
inline std::string zstd_frame(const std::string& text, int level = 3, bool checksum = false,
                              bool declared = true) {
  ZSTD_CCtx* context = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, checksum ? 1 : 0);
  ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, declared ? 1 : 0);
  std::string out(ZSTD_compressBound(text.size()), '\0');
  ZSTD_inBuffer in{text.data(), text.size(), 0};
  ZSTD_outBuffer to{out.data(), out.size(), 0};
  if (declared) ZSTD_CCtx_setPledgedSrcSize(context, text.size());
  std::size_t left = 1;
  while (left != 0 && !ZSTD_isError(left)) left = ZSTD_compressStream2(context, &to, &in, ZSTD_e_end);
  ZSTD_freeCCtx(context);
  out.resize(ZSTD_isError(left) ? 0 : to.pos);
  return out;
}

// Creates the FIFO after create_delay, opens it for writing (blocking until a reader has it) after
// open_delay more, writes content and closes it.
inline std::thread fifo_writer(const std::string& path, std::string content,
                               std::chrono::milliseconds create_delay = std::chrono::milliseconds(0),
                               std::chrono::milliseconds open_delay = std::chrono::milliseconds(0)) {
  return std::thread([=] {
    std::this_thread::sleep_for(create_delay);
    ::mkfifo(path.c_str(), 0600);
    std::this_thread::sleep_for(open_delay);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    std::size_t done = 0;
    while (done < content.size()) {
      const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
  });
}

}  // namespace chanload::testing
