// Writing gzip members with ISA-L (igzip level 1), for the local Pipe-mode feeder and test data.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>

namespace chanload::io {

class GzipWriter {
 public:
  // sink receives compressed bytes as they are produced.
  explicit GzipWriter(std::function<void(std::span<const std::byte>)> sink);
  ~GzipWriter();
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;

  void write(std::span<const std::byte> data);
  // Ends the member (trailer written). A later write starts a new member.
  void finish_member();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace chanload::io
