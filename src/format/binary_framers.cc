// MXNet RecordIO and TFRecord: length-prefixed records, checked before anything is trusted.
#include <array>
#include <cstring>
#include <string>

#include "format/crc32c.h"
#include "format/framer.h"
#include "format/framer_factories.h"
#include "format/framing_error.h"

namespace chanload::format {
namespace {

constexpr std::uint32_t kRecordIOMagic = 0xCED7230AU;

std::uint32_t load_u32(const std::byte* p) {
  std::uint32_t v = 0;
  std::memcpy(&v, p, 4);  // the formats are little-endian, as is every host chanload builds for
  return v;
}

std::uint64_t load_u64(const std::byte* p) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, 8);
  return v;
}

std::string hex32(std::uint32_t v) {
  std::array<char, 11> text{};
  std::snprintf(text.data(), text.size(), "0x%08X", v);
  return text.data();
}

// Collects a fixed-size header that may arrive split across pieces.
template <std::size_t N>
struct HeaderBuffer {
  std::array<std::byte, N> bytes{};
  std::size_t have = 0;
  // Takes what it still needs from data; returns the bytes taken.
  std::size_t fill(std::span<const std::byte> data) {
    const std::size_t n = std::min(N - have, data.size());
    if (n == 0) return 0;
    std::memcpy(bytes.data() + have, data.data(), n);
    have += n;
    return n;
  }
  [[nodiscard]] bool full() const { return have == N; }
};

class RecordIOFramer final : public Framer {
 public:
  explicit RecordIOFramer(const FramerOptions& options) : options_(options) {}

  void reset() override { start_record(); }

  Scan scan(std::span<const std::byte> data) override {
    std::size_t taken = 0;
    while (true) {
      if (!header_.full()) {
        if (taken == data.size()) break;
        taken += header_.fill(data.subspan(taken));
        if (!header_.full()) break;
        parse_header();
      }
      // An empty part completes as soon as its header does, even at the very end of data.
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size() - taken));
      taken += n;
      remaining_ -= n;
      record_bytes_ += n;
      if (remaining_ > 0) break;
      if (cflag_ == 0 || cflag_ == 3) {
        start_record();
        return {taken, true};
      }
      header_.have = 0;  // another part of the same record follows
    }
    return {taken, false};
  }

  bool accept_unterminated(std::span<const std::byte> partial, const RecordPlace& /*place*/) override {
    throw FramingError("the stream ends inside a RecordIO record (" + std::to_string(partial.size()) +
                           " bytes of it read): the record is cut off",
                       partial.size());
  }

  std::span<const std::byte> finish(std::span<const std::byte> record, const RecordPlace& /*place*/,
                                    std::vector<std::byte>& scratch) override {
    const auto part_length = [&](std::size_t at) { return load_u32(record.data() + at + 4) & 0x1FFFFFFFU; };
    const std::uint32_t first_flag = load_u32(record.data() + 4) >> 29;
    if (first_flag == 0) return record.subspan(8, part_length(0));
    scratch.clear();
    scratch.reserve(record.size());  // the parts' payloads (and dmlc's magics) fit in their framing
    std::size_t at = 0;
    bool first = true;
    while (at < record.size()) {
      const std::uint32_t length = part_length(at);
      if (!first && options_.recordio_join == RecordIOJoin::kDmlc) {
        const std::uint32_t magic = kRecordIOMagic;
        const auto* m = reinterpret_cast<const std::byte*>(&magic);
        scratch.insert(scratch.end(), m, m + 4);
      }
      scratch.insert(scratch.end(), record.data() + at + 8, record.data() + at + 8 + length);
      at += 8 + ((length + 3U) & ~3U);
      first = false;
    }
    return scratch;
  }
  [[nodiscard]] std::uint64_t lines_in(std::span<const std::byte> /*record*/) const override { return 0; }

 private:
  void start_record() {
    header_.have = 0;
    record_bytes_ = 0;
    payload_bytes_ = 0;
    in_split_record_ = false;
  }

  void parse_header() {
    const std::uint64_t at = record_bytes_;
    record_bytes_ += 8;
    const std::uint32_t magic = load_u32(header_.bytes.data());
    if (magic != kRecordIOMagic) {
      throw FramingError("bad RecordIO magic " + hex32(magic) + ", expected " + hex32(kRecordIOMagic) +
                             " (is this channel really RecordIO?)",
                         at);
    }
    const std::uint32_t lrec = load_u32(header_.bytes.data() + 4);
    cflag_ = lrec >> 29U;
    const std::uint32_t length = lrec & 0x1FFFFFFFU;
    const bool continuation = cflag_ == 2 || cflag_ == 3;
    if (cflag_ > 3 || continuation != in_split_record_) {
      throw FramingError("RecordIO part with cflag " + std::to_string(cflag_) +
                             (in_split_record_ ? " inside a split record (expected 2 or 3)"
                                               : " where a record starts (expected 0 or 1)"),
                         at);
    }
    in_split_record_ = cflag_ == 1 || cflag_ == 2;
    payload_bytes_ += length;
    if (payload_bytes_ > options_.max_record_bytes) {
      throw FramingError("RecordIO record of " + std::to_string(payload_bytes_) +
                             "+ bytes exceeds max_record_bytes (" +
                             std::to_string(options_.max_record_bytes) + ")",
                         at);
    }
    remaining_ = (length + 3U) & ~std::uint64_t{3};  // payload and its padding to 4 bytes
  }

  FramerOptions options_;
  HeaderBuffer<8> header_;
  std::uint32_t cflag_ = 0;
  std::uint64_t remaining_ = 0;
  std::uint64_t record_bytes_ = 0;
  std::uint64_t payload_bytes_ = 0;
  bool in_split_record_ = false;
};

class TFRecordFramer final : public Framer {
 public:
  explicit TFRecordFramer(const FramerOptions& options) : options_(options) {}

  void reset() override { header_.have = 0; }

  Scan scan(std::span<const std::byte> data) override {
    std::size_t taken = 0;
    if (!header_.full()) {
      taken = header_.fill(data);
      if (!header_.full()) return {taken, false};
      const std::uint64_t length = load_u64(header_.bytes.data());
      const std::uint32_t stored = load_u32(header_.bytes.data() + 8);
      const std::uint32_t computed = mask_crc(crc32c(header_.bytes.data(), 8));
      if (stored != computed) {
        throw FramingError("TFRecord length CRC mismatch (stored " + hex32(stored) + ", computed " +
                               hex32(computed) + "): the framing is corrupt",
                           0);
      }
      // The second test keeps length + 4 from wrapping whatever max_record_bytes is.
      if (length > options_.max_record_bytes || length > UINT64_MAX - 4) {
        throw FramingError("TFRecord record of " + std::to_string(length) +
                               " bytes exceeds max_record_bytes (" +
                               std::to_string(options_.max_record_bytes) + ")",
                           0);
      }
      remaining_ = length + 4;  // data and its CRC
    }
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size() - taken));
    taken += n;
    remaining_ -= n;
    if (remaining_ == 0) {
      header_.have = 0;
      return {taken, true};
    }
    return {taken, false};
  }

  bool accept_unterminated(std::span<const std::byte> partial, const RecordPlace& /*place*/) override {
    throw FramingError("the stream ends inside a TFRecord record (" + std::to_string(partial.size()) +
                           " bytes of it read): the record is cut off",
                       partial.size());
  }

  std::span<const std::byte> finish(std::span<const std::byte> record, const RecordPlace& /*place*/,
                                    std::vector<std::byte>& /*scratch*/) override {
    const auto data = record.subspan(12, record.size() - 16);
    const std::uint32_t stored = load_u32(record.data() + record.size() - 4);
    const std::uint32_t computed = mask_crc(crc32c(data.data(), data.size()));
    if (stored != computed) {
      throw FramingError(
          "TFRecord data CRC mismatch (stored " + hex32(stored) + ", computed " + hex32(computed) + ")",
          12 + data.size());
    }
    return data;
  }
  [[nodiscard]] std::uint64_t lines_in(std::span<const std::byte> /*record*/) const override { return 0; }

 private:
  FramerOptions options_;
  HeaderBuffer<12> header_;
  std::uint64_t remaining_ = 0;
};

}  // namespace

std::unique_ptr<Framer> make_recordio_framer(const FramerOptions& options) {
  return std::make_unique<RecordIOFramer>(options);
}

bool is_tfrecord_header(std::span<const std::byte> prefix) {
  return prefix.size() >= kTFRecordHeaderBytes &&
         load_u32(prefix.data() + 8) == mask_crc(crc32c(prefix.data(), 8));
}

std::unique_ptr<Framer> make_tfrecord_framer(const FramerOptions& options) {
  return std::make_unique<TFRecordFramer>(options);
}

}  // namespace chanload::format
