// Framing over real channel files, at chunk sizes from 1 byte up, so records split everywhere.
#include <chanload/errors.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "format/crc32c.h"
#include "format/record_reader.h"
#include "io/channel_source.h"
#include "io/file_source.h"
#include "io/memory_chunks.h"
#include "io_test_util.h"
#include "largest_allocation.h"
#include "test_tree.h"

namespace chanload::format {
namespace {

using chanload::testing::random_bytes;
using chanload::testing::TestTree;
using ::testing::HasSubstr;

struct Framed {
  std::vector<std::string> payloads;
  std::vector<std::uint64_t> lines;
  std::vector<std::uint64_t> offsets;
  RecordReaderStats stats;
};

class Channel {
 public:
  Channel() { tree_.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "File"}})"); }
  void file(const std::string& name, const std::string& content) {
    tree_.write("input/data/train/" + name, content);
  }
  [[nodiscard]] std::string path(const std::string& name) const {
    return (tree_.root() / "input/data/train" / name).string();
  }

  Framed read(RecordFormat format, std::size_t chunk_bytes, FramerOptions options = {},
              io::IoBackend backend = io::IoBackend::kAuto) const {
    EnvironmentOptions env;
    env.root = tree_.root();
    env.probe_devices = false;
    io::ChannelReadOptions read;
    read.chunk_bytes = chunk_bytes;
    read.backend = backend;
    io::ChannelSource source(Environment::load(env), "train", read);
    RecordReader reader(source, format, options);
    Framed out;
    while (auto record = reader.next()) {
      out.payloads.emplace_back(reinterpret_cast<const char*>(record->payload.data()),
                                record->payload.size());
      out.lines.push_back(record->place.line);
      out.offsets.push_back(record->place.offset);
    }
    out.stats = reader.stats();
    return out;
  }

 private:
  TestTree tree_;
};

constexpr std::size_t kChunkSizes[] = {1, 2, 3, 5, 7, 64, 1 << 20};

// Bytes in memory through the same RecordReader: what the sizing harness and the benchmarks frame
// with. Streams end with their marker, so a last line without its newline is a record, and records
// never span two streams.
TEST(RecordReaderOverMemory, FramesStreamAfterStreamAtEveryPieceSize) {
  const std::string a = "one\ntwo\nthr";
  const std::string b = "ee\nfour\n";
  const std::string origin_a = "a.txt";
  const std::string origin_b = "b.txt";
  for (const std::size_t piece : kChunkSizes) {
    io::MemoryChunks chunks({{a, &origin_a}, {b, &origin_b}}, piece);
    RecordReader reader(chunks, RecordFormat::kLines);
    std::vector<std::string> records;
    std::vector<std::string> origins;
    while (auto record = reader.next()) {
      records.emplace_back(reinterpret_cast<const char*>(record->payload.data()), record->payload.size());
      origins.push_back(*record->place.origin);
    }
    EXPECT_EQ(records, (std::vector<std::string>{"one", "two", "thr", "ee", "four"})) << piece;
    EXPECT_EQ(origins, (std::vector<std::string>{"a.txt", "a.txt", "a.txt", "b.txt", "b.txt"})) << piece;
    EXPECT_EQ(reader.end_of_last_record(), b.size()) << piece;
  }
}

// After a stream's end marker, skip_stream() is for a stream already over: the next is not skipped.
TEST(RecordReaderOverMemory, SkippingAfterAnEndMarkerLeavesTheNextStream) {
  const std::string a = "a";
  const std::string b = "b";
  const std::string origin = "x";
  io::MemoryChunks chunks({{a, &origin}, {b, &origin}}, 16);
  ASSERT_EQ(chunks.next()->bytes.size(), 1U);
  ASSERT_TRUE(chunks.next()->end_of_stream);
  chunks.skip_stream();
  const auto next = chunks.next();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->stream_index, 1U);
  EXPECT_EQ(next->bytes.size(), 1U);
}

// A prefix cut mid-record (the sizing harness's cut sample): without the end marker the unfinished
// record is not read, and end_of_last_record() says where the complete ones end.
TEST(RecordReaderOverMemory, AStreamWithoutItsEndMarkerLeavesAnUnfinishedRecordUnread) {
  const std::string data = "1,2\n3,\"a\nb\"\n5,6";
  const std::string origin = "cut.csv";
  for (const std::size_t piece : kChunkSizes) {
    io::MemoryChunks chunks({{data, &origin}}, piece, /*mark_ends=*/false);
    RecordReader reader(chunks, RecordFormat::kCsv);
    std::size_t records = 0;
    while (reader.next()) ++records;
    EXPECT_EQ(records, 2U) << piece;
    EXPECT_EQ(reader.end_of_last_record(), data.size() - 3) << piece;
  }
}

TEST(LineFramer, SplitsOnNewlinesAtEveryChunkSize) {
  Channel channel;
  channel.file("a.txt", "alpha\nbeta\r\n\nlast without newline");
  for (std::size_t chunk : kChunkSizes) {
    const Framed framed = channel.read(RecordFormat::kLines, chunk);
    EXPECT_THAT(framed.payloads, ::testing::ElementsAre("alpha", "beta", "", "last without newline"))
        << chunk;
    EXPECT_THAT(framed.lines, ::testing::ElementsAre(1, 2, 3, 4));
    EXPECT_THAT(framed.offsets, ::testing::ElementsAre(0, 6, 12, 13));
  }
}

TEST(LineFramer, RecordsNeverSpanFiles) {
  Channel channel;
  channel.file("part-1", "a\nb");
  channel.file("part-2", "c\n");
  for (std::size_t chunk : kChunkSizes) {
    const Framed framed = channel.read(RecordFormat::kLines, chunk);
    EXPECT_THAT(framed.payloads, ::testing::ElementsAre("a", "b", "c")) << chunk;
    EXPECT_THAT(framed.lines, ::testing::ElementsAre(1, 2, 1));
  }
}

TEST(LineFramer, RecordsInsideAChunkAreLentNotCopied) {
  Channel channel;
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "row " + std::to_string(i) + "\n";
  channel.file("a.txt", text);
  const Framed framed = channel.read(RecordFormat::kLines, 1 << 20);
  EXPECT_EQ(framed.payloads.size(), 1000U);
  EXPECT_EQ(framed.stats.gathered_records, 0U);
}

TEST(CsvRowFramer, NewlinesInsideQuotesAreData) {
  Channel channel;
  channel.file("a.csv", "1,\"two\nlines\",3\n\"q\"\"uote\",5\r\n\"x,\ny\"\nlast,row");
  for (std::size_t chunk : kChunkSizes) {
    const Framed framed = channel.read(RecordFormat::kCsv, chunk);
    EXPECT_THAT(framed.payloads,
                ::testing::ElementsAre("1,\"two\nlines\",3", "\"q\"\"uote\",5", "\"x,\ny\"", "last,row"))
        << chunk;
    EXPECT_THAT(framed.lines, ::testing::ElementsAre(1, 3, 4, 6));
  }
}

// Regression: the readers reuse one buffer for successive chunks, so a chunk can arrive at the same
// address and length as the last; quote positions remembered from the last chunk must not apply.
TEST(CsvRowFramer, QuotesAreFoundAgainInEachChunkOfAReusedBuffer) {
  Channel channel;
  // 16-byte chunks: the first has its only quote late; the second quotes a newline early.
  const std::string first = "aaaaaaaaaaaa,\"b\"";      // 16 bytes, quotes at 13 and 15
  const std::string second = "\n\"x\ny\",zzzzzzzz\n";  // 16 bytes: "\n" then a quoted field holding a newline
  // The first chunk is copied aside (compression detection), so reuse starts with the second.
  channel.file("a.csv", "0123456789abcde\n" + first + second);
  for (io::IoBackend backend : {io::IoBackend::kPread, io::IoBackend::kIoUring}) {
    if (backend == io::IoBackend::kIoUring && !io::io_uring_allowed()) continue;  // refused in this container
    const Framed framed = channel.read(RecordFormat::kCsv, 16, {}, backend);
    EXPECT_THAT(framed.payloads, ::testing::ElementsAre("0123456789abcde", first, "\"x\ny\",zzzzzzzz"));
  }
}

TEST(CsvRowFramer, AnUnclosedQuoteAtTheEndIsAnErrorNamingFileAndLine) {
  Channel channel;
  channel.file("a.csv", "1,2\n3,\"open\n4,5\n");
  try {
    (void)channel.read(RecordFormat::kCsv, 3);
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_EQ(e.origin(), channel.path("a.csv"));
    EXPECT_THAT(e.what(),
                HasSubstr("a.csv: record at byte offset 4 (line 2): the stream ends inside a quoted field"));
  }
}

// ---- RecordIO ------------------------------------------------------------------------------------

std::string u32(std::uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }
std::string u64(std::uint64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); }

std::string recordio_part(std::uint32_t cflag, const std::string& payload) {
  std::string out =
      u32(0xCED7230AU) + u32((cflag << 29U) | static_cast<std::uint32_t>(payload.size())) + payload;
  out.append((4 - payload.size() % 4) % 4, '\0');
  return out;
}

TEST(RecordIOFramer, ReadsWholeAndSplitRecordsWithPadding) {
  Channel channel;
  const std::string big = random_bytes(1001, 5);
  channel.file("a.rec", recordio_part(0, "abc") + recordio_part(0, "") + recordio_part(1, "he") +
                            recordio_part(2, "ll") + recordio_part(3, "o!") + recordio_part(0, big));
  for (std::size_t chunk : kChunkSizes) {
    const Framed framed = channel.read(RecordFormat::kRecordIO, chunk);
    EXPECT_THAT(framed.payloads, ::testing::ElementsAre("abc", "", "hello!", big)) << chunk;
    EXPECT_THAT(framed.offsets, ::testing::ElementsAre(0, 12, 20, 56));
    EXPECT_THAT(framed.lines, ::testing::ElementsAre(0, 0, 0, 0));
  }
}

// Regression (found by fuzz_framers): an empty record whose header ends exactly at a chunk's end
// completes there, rather than on a later scan that takes no bytes.
TEST(RecordIOFramer, AnEmptyRecordEndingAChunkCompletesAtOnce) {
  auto framer = make_framer(RecordFormat::kRecordIO, {});
  const std::string header = recordio_part(0, "");
  const auto bytes = std::as_bytes(std::span<const char>(header.data(), header.size()));
  const Scan scan = framer->scan(bytes);
  EXPECT_TRUE(scan.complete);
  EXPECT_EQ(scan.take, 8U);
}

TEST(RecordIOFramer, DmlcJoinReinsertsTheMagic) {
  Channel channel;
  channel.file("a.rec", recordio_part(1, "ab") + recordio_part(3, "cd"));
  FramerOptions options;
  options.recordio_join = RecordIOJoin::kDmlc;
  EXPECT_THAT(channel.read(RecordFormat::kRecordIO, 3, options).payloads,
              ::testing::ElementsAre("ab" + u32(0xCED7230AU) + "cd"));
}

TEST(RecordIOFramer, BadMagicNamesTheOffset) {
  Channel channel;
  channel.file("a.rec", recordio_part(0, "abcd") + "JUNKJUNK" + recordio_part(0, "x"));
  try {
    (void)channel.read(RecordFormat::kRecordIO, 5);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(e.offset(), 12U);
    EXPECT_THAT(e.what(), HasSubstr("a.rec: record at byte offset 12: bad RecordIO magic 0x4B4E554A"));
  }
}

// Regression: a record gathered across chunks grew its buffer by doubling, so a record near
// max_record_bytes could reserve twice that. The buffer now stops at the bound.
TEST(RecordIOFramer, ARecordAcrossChunksReservesNoMoreThanTheBound) {
#ifndef CHANLOAD_ALLOCATION_PROBE
  GTEST_SKIP() << "the allocation probe is not built into sanitizer builds (it replaces operator new)";
#else
  Channel channel;
  const std::string big(3 * (1 << 20) + 100, 'x');
  channel.file("a.rec", recordio_part(0, big));
  FramerOptions options;
  options.max_record_bytes = big.size();
  Framed framed;
  std::size_t largest = 0;
  {
    const chanload::testing::LargestAllocation probe;
    framed = channel.read(RecordFormat::kRecordIO, 1 << 20, options);
    largest = probe.bytes();
  }
  ASSERT_EQ(framed.payloads.size(), 1U);
  EXPECT_EQ(framed.payloads[0].size(), big.size());
  // The framed copy in Framed is the test's own (exactly the payload); the reader's buffer holds
  // the payload and its 8 header bytes, within max_record_bytes + 64.
  EXPECT_LE(largest, options.max_record_bytes + 64);
#endif
}

TEST(RecordIOFramer, ACutRecordIsAnErrorNotDropped) {
  Channel channel;
  channel.file("a.rec", recordio_part(0, "whole") + recordio_part(0, "cut off here").substr(0, 13));
  EXPECT_THROW((void)channel.read(RecordFormat::kRecordIO, 4), DataError);
  Channel split;
  split.file("b.rec", recordio_part(1, "start") + recordio_part(2, "middle"));  // no end part
  EXPECT_THROW((void)split.read(RecordFormat::kRecordIO, 1 << 20), DataError);
}

TEST(RecordIOFramer, ALengthFieldCannotMakeItAllocate) {
  Channel channel;
  channel.file("a.rec", u32(0xCED7230AU) + u32(0x1FFFFFFFU) + std::string(100, 'x'));
  FramerOptions options;
  options.max_record_bytes = 1024;
  try {
    (void)channel.read(RecordFormat::kRecordIO, 7, options);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("exceeds max_record_bytes (1024)"));
  }
}

TEST(RecordIOFramer, AContinuationWithoutAStartIsAnError) {
  Channel channel;
  channel.file("a.rec", recordio_part(2, "middle"));
  EXPECT_THROW((void)channel.read(RecordFormat::kRecordIO, 64), DataError);
}

// ---- TFRecord ------------------------------------------------------------------------------------

std::string tfrecord(const std::string& data) {
  const std::string length = u64(data.size());
  return length + u32(mask_crc(crc32c(length.data(), 8))) + data +
         u32(mask_crc(crc32c(data.data(), data.size())));
}

TEST(Crc32c, MatchesTheStandardCheckValueOnBothPaths) {
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283U);
  EXPECT_EQ(crc32c_portable("123456789", 9), 0xE3069283U);
  const std::string data = random_bytes(100003, 9);
  EXPECT_EQ(crc32c(data.data(), data.size()), crc32c_portable(data.data(), data.size()));
  // Incremental use gives the same as one pass.
  EXPECT_EQ(crc32c(data.data() + 5, data.size() - 5, crc32c(data.data(), 5)),
            crc32c(data.data(), data.size()));
}

TEST(TFRecordFramer, ReadsRecordsAndChecksBothCrcs) {
  Channel channel;
  const std::string big = random_bytes(5000, 2);
  channel.file("a.tfrecord", tfrecord("first") + tfrecord("") + tfrecord(big));
  for (std::size_t chunk : kChunkSizes) {
    EXPECT_THAT(channel.read(RecordFormat::kTFRecord, chunk).payloads,
                ::testing::ElementsAre("first", "", big))
        << chunk;
  }
}

// Regression: max_record_bytes near 2^64 let a 12-byte TFRecord header of length 2^64-4 wrap
// length + 4 to 0, and the process crashed (SIGSEGV) in finish().
TEST(TFRecordFramer, AHugeLengthIsAnErrorWhateverTheBound) {
  Channel channel;
  for (const std::uint64_t length : {~std::uint64_t{0} - 3, ~std::uint64_t{0}}) {
    const std::string header = u64(length);
    channel.file("a.tfrecord", header + u32(mask_crc(crc32c(header.data(), 8))));
    FramerOptions options;
    options.max_record_bytes = kMaxRecordBytesLimit;
    try {
      (void)channel.read(RecordFormat::kTFRecord, 64, options);
      FAIL();
    } catch (const DataError& e) {
      EXPECT_THAT(e.what(), HasSubstr("exceeds max_record_bytes"));
    }
  }
  FramerOptions unbounded;
  unbounded.max_record_bytes = ~std::size_t{0};
  EXPECT_THROW((void)make_framer(RecordFormat::kTFRecord, unbounded), ConfigError);
  unbounded.max_record_bytes = 0;
  EXPECT_THROW((void)make_framer(RecordFormat::kRecordIO, unbounded), ConfigError);
}

TEST(TFRecordFramer, CorruptLengthOrDataIsAnError) {
  Channel header;
  std::string bad = tfrecord("payload");
  bad[2] = 'X';  // the length no longer matches its CRC
  header.file("a.tfrecord", bad);
  try {
    (void)header.read(RecordFormat::kTFRecord, 5);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("TFRecord length CRC mismatch"));
  }
  Channel data;
  std::string flipped = tfrecord("payload");
  flipped[14] = 'X';
  data.file("b.tfrecord", tfrecord("ok") + flipped);
  try {
    (void)data.read(RecordFormat::kTFRecord, 64);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("b.tfrecord: record at byte offset 18: TFRecord data CRC mismatch"));
  }
  Channel cut;
  cut.file("c.tfrecord", tfrecord("whole") + tfrecord("cut").substr(0, 14));
  EXPECT_THROW((void)cut.read(RecordFormat::kTFRecord, 3), DataError);
}

}  // namespace
}  // namespace chanload::format
