#include "format/record_reader.h"

#include <algorithm>

#include <chanload/errors.h>

#include "format/framing_error.h"
#include "io/chunk_stream.h"

namespace chanload::format {

RecordReader::RecordReader(io::ChunkStream& source, RecordFormat format, const FramerOptions& options)
    : source_(source),
      framer_(make_framer(format, options)),
      options_(options),
      text_(format == RecordFormat::kLines || format == RecordFormat::kCsv) {}

void RecordReader::rethrow_with_place(const std::exception& error, std::uint64_t offset_in_record) const {
  const std::string& origin = record_place_.origin != nullptr ? *record_place_.origin : std::string("?");
  const std::uint64_t offset = record_place_.offset + offset_in_record;
  std::string where = origin + ": record at byte offset " + std::to_string(record_place_.offset);
  if (record_place_.line != 0) where += " (line " + std::to_string(record_place_.line) + ")";
  throw DataError(where + ": " + error.what(), origin, offset);
}

Record RecordReader::make_record(std::span<const std::byte> bytes) {
  Record record;
  record.place = record_place_;
  record.epoch = epoch_;
  record.stream_index = stream_index_;
  try {
    record.payload = framer_->finish(bytes, record_place_, scratch_);
  } catch (const FramingError& e) {
    rethrow_with_place(e, e.offset_in_record());
  }
  next_line_ += framer_->lines_in(bytes);
  end_of_last_record_ = record_place_.offset + bytes.size();
  ++stats_.records;
  stats_.payload_bytes += record.payload.size();
  return record;
}

std::optional<Record> RecordReader::next() {
  while (true) {
    if (!piece_ || (piece_->empty() && !stream_ended_)) {
      auto chunk = source_.next();
      if (!chunk) return std::nullopt;  // every stream ended with its marker, handled below
      piece_ = chunk->bytes;
      origin_ = chunk->origin;
      chunk_offset_ = chunk->offset;
      epoch_ = chunk->epoch;
      stream_index_ = chunk->stream_index;
      stream_ended_ = chunk->end_of_stream;
      if (at_stream_start_) {
        lines_known_ = chunk->offset == 0 || chunk->first_line != 0;
        if (chunk->offset != 0 && chunk->first_line != 0) next_line_ = chunk->first_line;
        at_stream_start_ = false;
      }
      framer_->new_piece();
      continue;
    }
    if (stream_ended_) {
      piece_.reset();
      stream_ended_ = false;
      const bool partial = in_record_;
      in_record_ = false;
      std::optional<Record> last;
      if (partial) {
        try {
          if (framer_->accept_unterminated(carry_, record_place_)) last = make_record(carry_);
        } catch (const FramingError& e) {
          rethrow_with_place(e, e.offset_in_record());
        }
      }
      framer_->reset();
      next_line_ = 1;
      at_stream_start_ = true;
      if (last) return last;
      continue;
    }

    const std::span<const std::byte> data = *piece_;
    if (!in_record_) {
      in_record_ = true;
      carry_.clear();
      record_place_ = RecordPlace{origin_, chunk_offset_, text_ && lines_known_ ? next_line_ : 0};
    }
    Scan scan;
    try {
      scan = framer_->scan(data);
    } catch (const FramingError& e) {
      rethrow_with_place(e, e.offset_in_record());  // framers count from the record start
    }
    piece_ = data.subspan(scan.take);
    chunk_offset_ += scan.take;
    if (carry_.empty() && scan.complete) {  // the whole record is in this chunk: lend it
      in_record_ = false;
      return make_record(data.first(scan.take));
    }
    if (carry_.size() + scan.take > options_.max_record_bytes + 64) {  // 64: framing around the payload
      rethrow_with_place(std::length_error("record longer than max_record_bytes (" +
                                           std::to_string(options_.max_record_bytes) + ")"),
                         carry_.size());
    }
    // Grown by doubling, but never past the largest record allowed: a record near max_record_bytes
    // must not reserve twice that.
    const std::size_t needed = carry_.size() + scan.take;
    if (needed > carry_.capacity()) {
      carry_.reserve(std::min(std::max(needed, 2 * carry_.capacity()), options_.max_record_bytes + 64));
    }
    carry_.insert(carry_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(scan.take));
    if (scan.complete) {
      in_record_ = false;
      ++stats_.gathered_records;
      return make_record(carry_);
    }
  }
}

void RecordReader::skip_stream() {
  if (stream_ended_) return;  // the stream's end is already here
  source_.skip_stream();
  piece_.reset();
  in_record_ = false;
  carry_.clear();
}

}  // namespace chanload::format
