#include "pipeline/shuffle_window.h"

#include <utility>

namespace chanload::pipeline {

void ShuffleWindow::store(Slot& slot, std::span<const std::byte> payload, const format::RecordPlace& place) {
  const std::size_t before = slot.payload.capacity();
  slot.payload.assign(payload.begin(), payload.end());
  bytes_held_ += slot.payload.capacity() - before;
  slot.place = place;
}

void ShuffleWindow::push(std::span<const std::byte> payload, const format::RecordPlace& place,
                         const Emit& emit) {
  if (used_ < capacity_) {
    if (slots_.size() == used_) slots_.emplace_back();
    store(slots_[used_++], payload, place);
    return;
  }
  Slot& chosen = slots_[random_.below(capacity_)];
  emit(chosen.payload, chosen.place);
  store(chosen, payload, place);
}

void ShuffleWindow::drain(const Emit& emit) {
  while (used_ > 0) {
    const std::size_t pick = random_.below(used_);
    emit(slots_[pick].payload, slots_[pick].place);
    --used_;
    std::swap(slots_[pick], slots_[used_]);
  }
}

}  // namespace chanload::pipeline
