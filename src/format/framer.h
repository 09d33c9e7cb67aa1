// Record framing: finding where each record of a stream ends. A framer is a small incremental state
// machine: scan() is shown the stream's bytes piece by piece and says how many of them belong to the
// current record and whether it is complete; finish() turns a complete record's bytes into its
// payload. RecordReader (record_reader.h) drives it over a ChannelSource.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace chanload::format {

enum class RecordFormat { kLines, kCsv, kRecordIO, kTFRecord };

// How MXNet RecordIO records split into parts are joined. AWS's readers (PipeModeDataset, ml-io)
// concatenate the parts; dmlc-core re-inserts the 4-byte magic between them.
enum class RecordIOJoin { kAws, kDmlc };

// The largest max_record_bytes a framer takes (1 TiB): lengths plus framing stay far from wrapping.
inline constexpr std::size_t kMaxRecordBytesLimit = std::size_t{1} << 40;

struct FramerOptions {
  std::size_t max_record_bytes = std::size_t{64} << 20;  // larger records are errors, never allocated
  char csv_quote = '"';
  RecordIOJoin recordio_join = RecordIOJoin::kAws;
};

struct Scan {
  std::size_t take = 0;   // bytes of the input that belong to the current record
  bool complete = false;  // the record ends within them
};

// Where a record sits, for messages.
struct RecordPlace {
  const std::string* origin = nullptr;
  std::uint64_t offset = 0;  // of the record's first byte in its stream
  std::uint64_t line = 0;    // text formats: 1-based line where the record starts
};

class Framer {
 public:
  virtual ~Framer() = default;
  // Called at the start of each stream.
  virtual void reset() = 0;
  // The data scan() sees next comes from a new chunk. Readers reuse their buffers, so a new chunk
  // can sit at the same address as the last: nothing remembered about a chunk may outlive it.
  virtual void new_piece() {}
  // The current record continues with data (never empty).
  virtual Scan scan(std::span<const std::byte> data) = 0;
  // The stream ended inside the current record, whose bytes so far are `partial` (not empty): the
  // final record (a last line without a newline) or a DataError (a cut binary record).
  virtual bool accept_unterminated(std::span<const std::byte> partial, const RecordPlace& place) = 0;
  // The payload of a complete record (lent from record or from scratch), or a DataError.
  virtual std::span<const std::byte> finish(std::span<const std::byte> record, const RecordPlace& place,
                                            std::vector<std::byte>& scratch) = 0;
  // Newlines in a record's bytes (text formats, for line numbers); 0 for binary formats.
  [[nodiscard]] virtual std::uint64_t lines_in(std::span<const std::byte> record) const = 0;
};

std::unique_ptr<Framer> make_framer(RecordFormat format, const FramerOptions& options);

}  // namespace chanload::format
