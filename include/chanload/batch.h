// One batch from a Loader. Its arrays live in the loader's batch buffers (pinned when a GPU is
// there) and stay valid as long as the Batch (or a copy of it) lives, even after the loader is gone;
// the buffer goes back to the loader's pool when the last copy is destroyed.
#pragma once

#include <chanload/dtype.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace chanload {

namespace detail {
struct BatchData;
}

enum class BatchKind {
  kDense,   // features rows x columns, labels rows x label_size (row-major, of dtype())
  kSparse,  // CSR: indptr (rows + 1), indices and values; labels dense
  kRaw,     // record payloads as bytes (RecordIO, TFRecord, lines): payloads and offsets (rows + 1)
};

class Batch {
 public:
  explicit Batch(std::shared_ptr<const detail::BatchData> data) : data_(std::move(data)) {}

  [[nodiscard]] BatchKind kind() const;
  [[nodiscard]] std::size_t rows() const;             // rows in the arrays, padding included
  [[nodiscard]] std::size_t padding_rows() const;     // zero rows added at the end (LastBatch::kPad)
  [[nodiscard]] std::size_t skipped_records() const;  // bad records left out (BadRecords::kSkip)
  [[nodiscard]] std::size_t columns() const;          // features per row (sparse: the shape's width)
  [[nodiscard]] std::size_t label_size() const;
  [[nodiscard]] std::uint64_t epoch() const;
  [[nodiscard]] std::uint64_t index() const;  // the batch's number within its epoch
  [[nodiscard]] bool last_in_epoch() const;
  [[nodiscard]] DType dtype() const;  // of features, labels and values (LoaderOptions::dtype)

  // Host arrays. An array the batch's kind lacks is empty (features of a sparse batch). The numeric
  // ones come in the batch's dtype: features(), labels() and values() for float32, the _f64 ones for
  // float64; asking for the other type is a ConfigError naming the accessor to use, so a float64
  // batch is never read as an empty float32 one.
  [[nodiscard]] std::span<const float> features() const;  // dense
  [[nodiscard]] std::span<const float> labels() const;    // dense and sparse
  [[nodiscard]] std::span<const double> features_f64() const;
  [[nodiscard]] std::span<const double> labels_f64() const;
  [[nodiscard]] std::span<const std::int64_t> indptr() const;
  [[nodiscard]] std::span<const std::int64_t> indices() const;
  [[nodiscard]] std::span<const float> values() const;
  [[nodiscard]] std::span<const double> values_f64() const;
  [[nodiscard]] std::span<const std::byte> payloads() const;
  [[nodiscard]] std::span<const std::int64_t> offsets() const;
  [[nodiscard]] std::span<const std::byte> payload(std::size_t row) const;

  // Device copies (device = "cuda:N", dense batches): the features and labels on the device, written
  // by the loader's own stream. Wait on ready_event() before reading them (wait_on does that for a
  // stream without blocking the host; synchronize blocks the host). -1 and null on the CPU.
  // device_features() and device_labels() are for float32 batches (a float64 one is a ConfigError);
  // the _data ones serve either dtype, size_of(dtype()) bytes per value.
  [[nodiscard]] int device() const;
  [[nodiscard]] const float* device_features() const;
  [[nodiscard]] const float* device_labels() const;
  [[nodiscard]] const void* device_features_data() const;
  [[nodiscard]] const void* device_labels_data() const;
  [[nodiscard]] void* ready_event() const;  // a cudaEvent_t
  void wait_on(void* cuda_stream) const;    // cudaStreamWaitEvent(stream, ready_event())
  void synchronize() const;                 // cudaEventSynchronize(ready_event())

  // Whether the host arrays are in pinned (page-locked) memory.
  [[nodiscard]] bool pinned() const;

 private:
  std::shared_ptr<const detail::BatchData> data_;
};

}  // namespace chanload
