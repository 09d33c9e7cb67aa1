// A shuffle window over record payloads (the tf.data kind): records go in in data order; once the
// window is full each new record replaces one drawn at random, which comes out. At the end of an
// epoch the rest come out in random order. The window keeps one buffer per place, reused, so
// shuffling allocates nothing per record once the window has seen records of every size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "format/framer.h"
#include "pipeline/random.h"

namespace chanload::pipeline {

class ShuffleWindow {
 public:
  using Emit = std::function<void(std::span<const std::byte> payload, const format::RecordPlace& place)>;

  // Slots are made as records arrive: a window larger than the data costs only what it holds.
  explicit ShuffleWindow(std::size_t capacity) : capacity_(capacity) {}

  void start_epoch(std::uint64_t seed) {
    random_ = Random(seed);
    used_ = 0;
  }
  // Takes a record; emits one (maybe another) when the window is full.
  void push(std::span<const std::byte> payload, const format::RecordPlace& place, const Emit& emit);
  // Emits every record left, in random order.
  void drain(const Emit& emit);

  [[nodiscard]] std::size_t bytes_held() const { return bytes_held_; }

 private:
  struct Slot {
    std::vector<std::byte> payload;
    format::RecordPlace place;
  };
  void store(Slot& slot, std::span<const std::byte> payload, const format::RecordPlace& place);

  std::size_t capacity_;
  std::vector<Slot> slots_;
  std::size_t used_ = 0;
  std::size_t bytes_held_ = 0;  // buffer capacity held by the slots
  Random random_{0};
};

}  // namespace chanload::pipeline
