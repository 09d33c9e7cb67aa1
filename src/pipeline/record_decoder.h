// Decode workers' view of a record format: one RecordDecoder interface over CSV, RecordIO-protobuf
// and raw records (RecordIO, TFRecord, lines: the payloads are the batch), and the one place the
// bad-record policy is applied: a BadRecordLog shared by every decoder of a loader, so the count
// and the warning cap are the loader's, not each worker's.
#pragma once

#include <chanload/errors.h>
#include <chanload/loader_options.h>

#include <condition_variable>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <span>

#include "format/csv_decoder.h"
#include "format/data_format.h"
#include "format/framer.h"
#include "format/recordio_protobuf_decoder.h"
#include "pipeline/batch_job.h"
#include "pipeline/batch_pool.h"

namespace chanload::pipeline {

// Bad records of one loader under its policy: thread-safe (bad records are rare; a mutex is enough).
class BadRecordLog {
 public:
  static constexpr std::uint64_t kDefaultMaxWarnings = 20;
  // warnings: where kWarn writes (stderr by default; a test gives a stream of its own).
  explicit BadRecordLog(BadRecords policy, std::uint64_t max_warnings = kDefaultMaxWarnings,
                        std::ostream* warnings = nullptr);

  // A record that does not decode. kError: error is thrown. kSkip: counted. kWarn: counted, and the
  // first max_warnings are written out, the last of them saying that the rest are only counted.
  void reject(const DataError& error);
  [[nodiscard]] std::uint64_t count() const;
  [[nodiscard]] std::uint64_t warnings_written() const;
  [[nodiscard]] BadRecords policy() const { return policy_; }

 private:
  BadRecords policy_;
  std::uint64_t max_warnings_;
  std::ostream* warnings_;
  mutable std::mutex mutex_;  // the counts
  // One warning line at a time, taken without mutex_, in the order of the warnings' numbers: the line
  // saying that the rest are only counted is the last one written whatever the threads.
  std::mutex write_mutex_;
  std::condition_variable write_turn_;
  std::uint64_t count_ = 0;
  std::uint64_t written_ = 0;        // warnings numbered (under mutex_)
  std::uint64_t lines_written_ = 0;  // warnings written out (under write_mutex_)
};

class RecordDecoder {
 public:
  virtual ~RecordDecoder() = default;
  RecordDecoder() = default;
  RecordDecoder(const RecordDecoder&) = delete;
  RecordDecoder& operator=(const RecordDecoder&) = delete;

  // Whether a framed record is data (CSV: not the header row, not blank). The reader stage drops
  // the others where they are framed, before the shard rule, so that shards count data only. Safe to
  // call from several threads at once.
  [[nodiscard]] virtual bool is_record(std::span<const std::byte> payload,
                                       const format::RecordPlace& place) const;
  // The layout a record gives every batch (the channel's first good record decides it), or a
  // DataError naming the file, the offset and what is wrong: the caller applies the policy.
  virtual RowLayout probe(std::span<const std::byte> payload, const format::RecordPlace& place) = 0;
  // Decodes a unit's records into their rows: dense rows into slot, sparse ones into unit.sparse
  // (gathered at assembly), nothing for raw records. A bad record goes to the log (which throws under
  // BadRecords::kError) and its row to unit.holes.
  virtual void decode(Unit& unit, BatchSlot& slot) = 0;
};

struct RecordDecoderOptions {
  format::DataFormat format = format::DataFormat::kCsv;
  DType dtype = DType::kFloat32;
  format::CsvDecodeOptions csv;  // its bad_records is ignored: the log's policy rules
  format::RecordIOProtobufOptions protobuf;
};

// A decoder for one thread (decoders keep per-thread state). layout: the channel's, for a decode
// worker (every record is checked against it); nullptr for the probe, which only probes.
std::unique_ptr<RecordDecoder> make_record_decoder(const RecordDecoderOptions& options,
                                                   const RowLayout* layout,
                                                   std::shared_ptr<BadRecordLog> log);

}  // namespace chanload::pipeline
