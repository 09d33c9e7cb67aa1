#include "pipeline/object_pieces.h"

#include <chanload/errors.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>

#include "io/decompress.h"

namespace chanload::pipeline {
namespace {

constexpr std::size_t kWindowBytes = std::size_t{1} << 20;
constexpr std::uint32_t kRecordIOMagic = 0xCED7230AU;

class ReadOnlyFile {
 public:
  explicit ReadOnlyFile(std::string path)
      : path_(std::move(path)), fd_(::open(path_.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw IoError(path_ + ": cannot open: " + std::strerror(errno), path_);
  }
  ~ReadOnlyFile() { ::close(fd_); }
  ReadOnlyFile(const ReadOnlyFile&) = delete;
  ReadOnlyFile& operator=(const ReadOnlyFile&) = delete;

  // Bytes at offset, as many as out holds or the file has; returns how many.
  std::size_t read(std::uint64_t offset, std::span<std::byte> out) const {
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        throw IoError(
            path_ + ": read at byte " + std::to_string(offset + done) + " failed: " + std::strerror(errno),
            path_, offset + done);
      }
      if (n == 0) break;
      done += static_cast<std::size_t>(n);
    }
    return done;
  }

 private:
  std::string path_;
  int fd_;
};

bool is_compressed(const ReadOnlyFile& file) {
  std::array<std::byte, io::kCompressionMagicBytes> magic{};
  const std::size_t got = file.read(0, magic);
  return io::detect_compression(std::span(magic.data(), got)) != io::DetectedCompression::kNone;
}

std::uint64_t count_byte(std::span<const std::byte> bytes, std::byte value) {
  std::uint64_t count = 0;
  const std::byte* p = bytes.data();
  const std::byte* end = p + bytes.size();
  while (p < end) {
    const void* hit = std::memchr(p, static_cast<int>(value), static_cast<std::size_t>(end - p));
    if (hit == nullptr) break;
    ++count;
    p = static_cast<const std::byte*>(hit) + 1;
  }
  return count;
}

struct TextCounts {
  std::uint64_t quotes = 0;
  std::uint64_t newlines = 0;
};

TextCounts count_text(const ReadOnlyFile& file, std::uint64_t from, std::uint64_t to, std::byte quote) {
  TextCounts counts;
  std::vector<std::byte> window(kWindowBytes);
  for (std::uint64_t at = from; at < to;) {
    const std::size_t got =
        file.read(at, std::span(window).first(std::min<std::uint64_t>(kWindowBytes, to - at)));
    if (got == 0) break;
    const auto bytes = std::span<const std::byte>(window).first(got);
    counts.quotes += count_byte(bytes, quote);
    counts.newlines += count_byte(bytes, std::byte{'\n'});
    at += got;
  }
  return counts;
}

struct Cut {
  std::uint64_t offset = 0;
  std::uint64_t line = 0;  // of the record starting there (0: unknown)
};

// The first record start after `from` in a text object: just past a newline (outside quotes, for
// CSV) at or after from. in_quotes and line: the state at from. nullopt within max_distance bytes:
// no record starts there (one record spans the cut and the next).
std::optional<Cut> next_text_start(const ReadOnlyFile& file, std::uint64_t size, std::uint64_t from, bool csv,
                                   std::byte quote, bool in_quotes, std::uint64_t line,
                                   std::uint64_t max_distance) {
  std::vector<std::byte> window(std::min<std::uint64_t>(kWindowBytes, max_distance));
  const std::uint64_t limit = std::min(size, from + max_distance);
  for (std::uint64_t at = from; at < limit;) {
    const std::size_t got =
        file.read(at, std::span(window).first(std::min<std::uint64_t>(window.size(), limit - at)));
    if (got == 0) break;
    for (std::size_t i = 0; i < got; ++i) {
      const std::byte b = window[i];
      if (csv && b == quote) {
        in_quotes = !in_quotes;
      } else if (b == std::byte{'\n'}) {
        ++line;
        if (!in_quotes) return Cut{at + i + 1, line};
      }
    }
    at += got;
  }
  return std::nullopt;
}

std::uint32_t word_at(std::span<const std::byte> bytes, std::size_t at) {
  std::uint32_t v = 0;
  std::memcpy(&v, bytes.data() + at, 4);  // RecordIO is little-endian, as this machine
  return v;
}

// RecordIO cut points: the headers walked from the object's start (a payload may hold the magic,
// even a chain of plausible headers, so no local search is exact), the first record (or first part
// of a split one) at or after each nominal cut taken. Only headers are looked at: small records are
// read a window at a time, a large record's payload is jumped over. The walk stops at a header the
// framer would refuse: the rest stays one piece, whose reader reports the error where it is.
std::vector<Cut> recordio_cuts(const ReadOnlyFile& file, std::uint64_t size, std::uint64_t piece_bytes,
                               std::size_t max_record_bytes) {
  std::vector<Cut> cuts;
  std::vector<std::byte> window(std::size_t{64} << 10);
  std::uint64_t window_start = 0;
  std::size_t window_size = 0;
  std::uint64_t next_cut = piece_bytes;
  bool in_split_record = false;    // after a cflag 1 part, until its cflag 3
  std::uint64_t record_bytes = 0;  // of the record being walked, all its parts
  for (std::uint64_t at = 0; at + 8 <= size && next_cut + piece_bytes <= size;) {
    if (at < window_start || at + 8 > window_start + window_size) {
      window_start = at;
      window_size = file.read(at, window);
      if (window_size < 8) break;
    }
    const auto offset = static_cast<std::size_t>(at - window_start);
    if (word_at(window, offset) != kRecordIOMagic) break;
    const std::uint32_t lrec = word_at(window, offset + 4);
    const std::uint32_t cflag = lrec >> 29U;
    const std::uint64_t length = lrec & ((1U << 29U) - 1);
    // What the framer refuses ends the walk: a cflag above 3, a part out of its split record's
    // sequence, a record (all its parts) above max_record_bytes.
    const bool continuation = cflag == 2 || cflag == 3;
    if (cflag > 3 || continuation != in_split_record) break;
    record_bytes = continuation ? record_bytes + length : length;
    if (record_bytes > max_record_bytes) break;
    in_split_record = cflag == 1 || cflag == 2;
    if (at >= next_cut && (cflag == 0 || cflag == 1)) {
      cuts.push_back(Cut{at, 0});
      while (next_cut <= at) next_cut += piece_bytes;
    }
    at += 8 + (length + 3) / 4 * 4;
  }
  return cuts;
}

// The record starts nearest after each nominal cut (k * piece_bytes), strictly increasing.
std::vector<Cut> cut_points(const ReadOnlyFile& file, std::uint64_t size, const PiecePlan& plan) {
  const std::uint64_t pieces = size / plan.piece_bytes;
  const std::uint64_t max_distance = plan.framer.max_record_bytes + 64;
  std::vector<Cut> cuts;
  const auto add = [&](const std::optional<Cut>& cut) {
    if (cut && cut->offset < size && (cuts.empty() || cut->offset > cuts.back().offset)) cuts.push_back(*cut);
  };
  if (plan.format == format::RecordFormat::kRecordIO)
    return recordio_cuts(file, size, plan.piece_bytes, plan.framer.max_record_bytes);
  const bool csv = plan.format == format::RecordFormat::kCsv;
  const auto quote = static_cast<std::byte>(plan.framer.csv_quote);
  // A record starting at k * piece_bytes follows a newline at k * piece_bytes - 1: scans start there.
  std::vector<std::uint64_t> starts;
  for (std::uint64_t k = 1; k < pieces; ++k) starts.push_back(k * plan.piece_bytes - 1);
  if (!csv) {
    for (const std::uint64_t start : starts)
      add(next_text_start(file, size, start, false, quote, false, 0, max_distance));
    for (Cut& cut : cuts) cut.line = 0;  // lines are not counted for plain lines: messages give offsets
    return cuts;
  }
  // CSV: the quotes (and newlines) before each scan start, counted segment by segment in parallel.
  std::vector<TextCounts> segments(starts.size());
  std::vector<std::exception_ptr> errors(std::max<std::size_t>(plan.threads, 1));
  const auto count_share = [&](std::size_t t) {
    try {
      for (std::size_t s = t; s < starts.size(); s += errors.size())
        segments[s] = count_text(file, s == 0 ? 0 : starts[s - 1], starts[s], quote);
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  std::vector<std::thread> workers;
  for (std::size_t t = 1; t < errors.size(); ++t) {
    try {
      workers.emplace_back(count_share, t);
    } catch (...) {  // no thread for this share: counted below, on this one
      count_share(t);
    }
  }
  count_share(0);
  for (auto& worker : workers) worker.join();
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  TextCounts before;
  for (std::size_t s = 0; s < starts.size(); ++s) {
    before.quotes += segments[s].quotes;
    before.newlines += segments[s].newlines;
    add(next_text_start(file, size, starts[s], true, quote, (before.quotes & 1U) != 0, 1 + before.newlines,
                        max_distance));
  }
  return cuts;
}

}  // namespace

std::vector<io::ChannelObject> cut_into_pieces(const ChannelConfig& channel,
                                               std::vector<io::ChannelObject> objects,
                                               const PiecePlan& plan) {
  const bool cuttable_format = plan.format != format::RecordFormat::kTFRecord;
  const bool may_be_plain =
      channel.compression == Compression::kNone &&
      (plan.compression == io::CompressionMode::kAuto || plan.compression == io::CompressionMode::kNone);
  if (plan.piece_bytes == 0 || !cuttable_format || !may_be_plain) return objects;
  std::vector<io::ChannelObject> out;
  out.reserve(objects.size());
  for (io::ChannelObject& object : objects) {
    if (object.ranged || object.size < 2 * plan.piece_bytes) {
      out.push_back(std::move(object));
      continue;
    }
    const ReadOnlyFile file(object.path);
    if (plan.compression == io::CompressionMode::kAuto && is_compressed(file)) {
      out.push_back(std::move(object));
      continue;
    }
    const std::vector<Cut> cuts = cut_points(file, object.size, plan);
    Cut start{0, 1};
    for (std::size_t i = 0; i <= cuts.size(); ++i) {
      const std::uint64_t end = i < cuts.size() ? cuts[i].offset : object.size;
      io::ChannelObject piece{object.path, object.size, true,
                              io::StreamRange{start.offset, start.offset, end}};
      piece.first_line = start.line;
      out.push_back(std::move(piece));
      if (i < cuts.size()) start = cuts[i];
    }
  }
  return out;
}

}  // namespace chanload::pipeline
