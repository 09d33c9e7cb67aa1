#include "pipeline/record_decoder.h"

#include <iostream>
#include <new>
#include <string>
#include <utility>

namespace chanload::pipeline {

BadRecordLog::BadRecordLog(BadRecords policy, std::uint64_t max_warnings, std::ostream* warnings)
    : policy_(policy), max_warnings_(max_warnings), warnings_(warnings != nullptr ? warnings : &std::cerr) {}

void BadRecordLog::reject(const DataError& error) {
  if (policy_ == BadRecords::kError) throw error;
  std::uint64_t number = 0;
  {
    std::lock_guard lock(mutex_);
    ++count_;
    if (policy_ != BadRecords::kWarn || written_ >= max_warnings_) return;
    number = ++written_;
  }
  // Written after the lock: a slow stderr (a full pipe) must not hold up stats() or other workers.
  // Numbered and written out in turn: two threads between the locks must not swap their lines, or
  // the "only counted" line would not be the last.
  const bool last = number == max_warnings_;
  std::string line;
  try {
    line = std::string("chanload: skipped bad record: ") + error.what() +
           (last ? " (further bad records are only counted: see the stats)" : "") + "\n";
  } catch (const std::bad_alloc&) {
    // A warning that cannot be built is not written, but its turn still passes: the numbers after it
    // must not wait for it.
  }
  {
    std::unique_lock lock(write_mutex_);
    // Every number below this one belongs to a thread already past mutex_ and about to write: the
    // wait ends as soon as they have, whatever the other threads do.
    write_turn_.wait(lock, [&] { return lines_written_ + 1 == number; });
    // The turn passes even when the stream throws (one with exceptions() set): the numbers after
    // this one must not wait for ever.
    struct PassTurn {
      std::uint64_t& written;
      std::condition_variable& turn;
      ~PassTurn() {
        ++written;
        turn.notify_all();
      }
    } pass{lines_written_, write_turn_};
    *warnings_ << line;
  }
}

std::uint64_t BadRecordLog::count() const {
  std::lock_guard lock(mutex_);
  return count_;
}

std::uint64_t BadRecordLog::warnings_written() const {
  std::lock_guard lock(mutex_);
  return written_;
}

bool RecordDecoder::is_record(std::span<const std::byte> /*payload*/,
                              const format::RecordPlace& /*place*/) const {
  return true;
}

namespace {

// Raw records (RecordIO, TFRecord, lines): the payloads are the batch; batch assembly gathers them.
class RawRecordDecoder final : public RecordDecoder {
 public:
  RowLayout probe(std::span<const std::byte> /*payload*/, const format::RecordPlace& /*place*/) override {
    return RowLayout{BatchKind::kRaw, false, 0, 0};
  }
  void decode(Unit& /*unit*/, BatchSlot& /*slot*/) override {}
};

// CSV rows, each value parsed once, straight to its place in the batch.
template <typename T>
class CsvRecordDecoder final : public RecordDecoder {
 public:
  CsvRecordDecoder(format::CsvDecodeOptions options, const RowLayout* layout,
                   std::shared_ptr<BadRecordLog> log)
      : csv_(with_skip(options)), log_(std::move(log)) {
    if (layout != nullptr) {
      layout_ = *layout;
      csv_.expect_columns(layout->columns + layout->label_size);
    }
  }

  [[nodiscard]] bool is_record(std::span<const std::byte> payload,
                               const format::RecordPlace& place) const override {
    return csv_.is_data_row(payload, place);
  }

  RowLayout probe(std::span<const std::byte> payload, const format::RecordPlace& place) override {
    format::BasicDecodedRows<T> rows;
    const auto outcome = csv_.decode(payload, place, rows);
    if (outcome == format::CsvDecoder::Outcome::kBad) throw rejection(place);
    if (outcome == format::CsvDecoder::Outcome::kSkipped) {  // is_record() keeps these from the probe
      const std::string origin = place.origin != nullptr ? *place.origin : std::string("?");
      throw DataError(origin + " byte " + std::to_string(place.offset) + ": a header or blank row, not data",
                      origin, place.offset);
    }
    return RowLayout{BatchKind::kDense, false, rows.columns, rows.label_size};
  }

  void decode(Unit& unit, BatchSlot& slot) override {
    for (std::size_t i = 0; i < unit.records.size(); ++i) {
      const UnitRecord& record = unit.records[i];
      const std::size_t row = unit.first_row + i;
      const auto outcome =
          csv_.decode_into(unit.payload(record), record.place, slot.label_row<T>(row, layout_.label_size),
                           slot.feature_row<T>(row, layout_.columns));
      if (outcome != format::CsvDecoder::Outcome::kBad) continue;
      log_->reject(rejection(record.place));
      unit.holes.push_back(row);
    }
  }

 private:
  // The decoder reports bad rows (kBad, with its message) and the log decides what they cost.
  static format::CsvDecodeOptions with_skip(format::CsvDecodeOptions options) {
    options.bad_records = format::BadRecordPolicy::kSkip;
    return options;
  }
  [[nodiscard]] DataError rejection(const format::RecordPlace& place) const {
    const std::string origin = place.origin != nullptr ? *place.origin : std::string("?");
    return DataError(csv_.last_rejection(), origin, place.offset);
  }

  format::CsvDecoder csv_;
  std::shared_ptr<BadRecordLog> log_;
  RowLayout layout_;
};

// RecordIO-protobuf records: dense rows moved into the batch, sparse rows kept in the unit's CSR.
template <typename T>
class ProtobufRecordDecoder final : public RecordDecoder {
 public:
  ProtobufRecordDecoder(format::RecordIOProtobufOptions options, const RowLayout* layout,
                        std::shared_ptr<BadRecordLog> log)
      : protobuf_(options), log_(std::move(log)) {
    if (layout != nullptr) layout_ = *layout;
  }

  RowLayout probe(std::span<const std::byte> payload, const format::RecordPlace& place) override {
    format::BasicDecodedRows<T> rows;
    protobuf_.decode(payload, place, rows);  // T matters: the dtype bounds a densified row
    return RowLayout{rows.sparse ? BatchKind::kSparse : BatchKind::kDense, protobuf_.sparse_records(),
                     rows.columns, rows.label_size};
  }

  void decode(Unit& unit, BatchSlot& slot) override {
    format::BasicDecodedRows<T>& out = layout_.kind == BatchKind::kSparse ? unit.sparse.as<T>() : scratch_;
    protobuf_.adopt_layout(layout_.sparse_records, layout_.columns, layout_.label_size, out);
    out.clear();
    for (std::size_t i = 0; i < unit.records.size(); ++i) {
      const UnitRecord& record = unit.records[i];
      const std::size_t row = unit.first_row + i;
      const std::size_t before = out.rows;
      try {
        protobuf_.decode(unit.payload(record), record.place, out);
      } catch (const DataError& error) {
        log_->reject(error);
        unit.holes.push_back(row);
        continue;
      }
      move_values(slot.label_row<T>(row, layout_.label_size), out.labels.data() + before * layout_.label_size,
                  layout_.label_size);
      if (layout_.kind == BatchKind::kDense) {
        move_values(slot.feature_row<T>(row, layout_.columns), out.features.data() + before * layout_.columns,
                    layout_.columns);
      }
    }
  }

 private:
  format::RecordIOProtobufDecoder protobuf_;
  std::shared_ptr<BadRecordLog> log_;
  RowLayout layout_;
  format::BasicDecodedRows<T> scratch_;  // dense rows before they move to their place
};

template <typename T>
std::unique_ptr<RecordDecoder> make_typed(const RecordDecoderOptions& options, const RowLayout* layout,
                                          std::shared_ptr<BadRecordLog> log) {
  switch (options.format) {
    case format::DataFormat::kCsv:
      return std::make_unique<CsvRecordDecoder<T>>(options.csv, layout, std::move(log));
    case format::DataFormat::kRecordIOProtobuf:
      return std::make_unique<ProtobufRecordDecoder<T>>(options.protobuf, layout, std::move(log));
    case format::DataFormat::kRecordIO:
    case format::DataFormat::kTFRecord:
    case format::DataFormat::kLines:
      break;
  }
  return std::make_unique<RawRecordDecoder>();
}

}  // namespace

std::unique_ptr<RecordDecoder> make_record_decoder(const RecordDecoderOptions& options,
                                                   const RowLayout* layout,
                                                   std::shared_ptr<BadRecordLog> log) {
  if (options.dtype == DType::kFloat64) return make_typed<double>(options, layout, std::move(log));
  return make_typed<float>(options, layout, std::move(log));
}

}  // namespace chanload::pipeline
