// Large objects cut into pieces framed in parallel: every piece starts at a record boundary (CSV
// quotes, RecordIO magic and headers, lines), so the records, their order and their line numbers are
// exactly those of the whole object, whatever the threads.
#include "pipeline/object_pieces.h"

#include <chanload/errors.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "io_test_util.h"
#include "pipeline/reader_stage.h"
#include "test_tree.h"

namespace chanload::pipeline {
namespace {

using chanload::testing::TestTree;

struct Read {
  std::vector<std::string> payloads;
  std::vector<std::uint64_t> lines;
  std::size_t objects = 0;
};

ReaderStageOptions options_for(format::RecordFormat format, std::uint64_t piece_bytes, std::size_t threads,
                               bool shuffle) {
  ReaderStageOptions options;
  options.record_format = format;
  options.piece_bytes = piece_bytes;
  options.objects_in_flight = threads;
  options.buffer_bytes = 1;  // the smallest blocks: pieces wait on each other all the time
  options.shuffle_objects = shuffle;
  options.interleave = shuffle ? 3 : 1;
  options.seed = 7;
  return options;
}

// The options come in by value, made by the caller (as in reader_stage_test.cc): GCC 12's
// -Wmaybe-uninitialized misreads a local ReaderStageOptions moved into the stage in the sanitizer
// builds.
Read read_with(const TestTree& tree, ReaderStageOptions options) {
  ReaderStage stage(tree.environment().channel("train"), std::move(options));
  Read out;
  out.objects = stage.objects().size();
  stage.start_epoch(0);
  while (auto record = stage.next()) {
    out.payloads.emplace_back(reinterpret_cast<const char*>(record->payload.data()), record->payload.size());
    out.lines.push_back(record->place.line);
  }
  return out;
}

Read read_stage(const TestTree& tree, format::RecordFormat format, std::uint64_t piece_bytes,
                std::size_t threads, bool shuffle = false) {
  return read_with(tree, options_for(format, piece_bytes, threads, shuffle));
}

void channel(const TestTree& tree, const std::string& name, const std::string& content) {
  tree.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "File"}})");
  tree.write("input/data/train/" + name, content);
}

// Rows with quoted fields holding newlines, commas and escaped quotes, some long enough to span a
// piece: a cut point lands inside quotes again and again.
std::string quoted_csv(std::size_t rows) {
  std::mt19937 rng(3);
  std::string out;
  for (std::size_t r = 0; r < rows; ++r) {
    out += std::to_string(r) + ",";
    switch (rng() % 4) {
      case 0:
        out += "\"a\nb,\"\"c\"\"\n" + std::string(rng() % 40, 'q') + "\"";
        break;
      case 1:
        out += "\"" + std::string(rng() % 700, '\n') + "\"";  // longer than a piece: two cuts in it
        break;
      default:
        out += std::to_string(rng() % 1000);
    }
    out += "\n";
  }
  return out;
}

TEST(ObjectPieces, CsvPiecesStartOutsideQuotesAndKeepEveryRecordAndLineNumber) {
  TestTree tree;
  channel(tree, "a.csv", quoted_csv(600));
  const Read whole = read_stage(tree, format::RecordFormat::kCsv, 0, 1);
  ASSERT_EQ(whole.payloads.size(), 600U);
  for (const std::size_t threads : {std::size_t{1}, std::size_t{3}}) {
    const Read pieces = read_stage(tree, format::RecordFormat::kCsv, 256, threads);
    EXPECT_GT(pieces.objects, 20U);
    EXPECT_EQ(pieces.payloads, whole.payloads) << threads;
    EXPECT_EQ(pieces.lines, whole.lines) << threads;  // every piece knows its first line
  }
}

// The error of a record in a later piece names the file, the offset and the line, as reading the
// object whole does.
TEST(ObjectPieces, AnErrorInALaterPieceNamesItsFileOffsetAndLineAsTheWholeObjectDoes) {
  TestTree tree;
  channel(tree, "a.csv", quoted_csv(300) + "7,\"opened and never closed\n8,9\n");
  const auto error_of = [&](std::uint64_t piece_bytes) {
    try {
      (void)read_stage(tree, format::RecordFormat::kCsv, piece_bytes, 2);
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string whole = error_of(0);
  EXPECT_THAT(whole, ::testing::HasSubstr("a.csv: record at byte offset"));
  EXPECT_THAT(whole, ::testing::HasSubstr("(line "));
  EXPECT_EQ(error_of(256), whole);
}

TEST(ObjectPieces, LinePiecesKeepEveryRecordInOrder) {
  TestTree tree;
  std::string text;
  for (int i = 0; i < 5000; ++i)
    text += "line " + std::to_string(i) + std::string(static_cast<std::size_t>(i % 13), '.') + "\n";
  text += "a last line without its newline";
  channel(tree, "a.txt", text);
  const Read whole = read_stage(tree, format::RecordFormat::kLines, 0, 1);
  const Read pieces = read_stage(tree, format::RecordFormat::kLines, 1000, 2);
  EXPECT_GT(pieces.objects, 50U);
  EXPECT_EQ(pieces.payloads, whole.payloads);
  EXPECT_EQ(pieces.payloads.back(), "a last line without its newline");
}

std::string u32(std::uint32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFFU);
  return out;
}
std::string recordio_part(const std::string& payload, std::uint32_t cflag) {
  std::string out =
      u32(0xCED7230AU) + u32((cflag << 29U) | static_cast<std::uint32_t>(payload.size())) + payload;
  out.append((4 - payload.size() % 4) % 4, '\0');
  return out;
}

TEST(ObjectPieces, RecordIOPiecesStartAtARecordNotAtAMagicInsideAPayloadNorInsideASplitRecord) {
  TestTree tree;
  std::string data;
  std::vector<std::string> expected;
  for (int i = 0; i < 400; ++i) {
    // A payload that holds the magic and a plausible header at an aligned offset; at i % 50 == 6
    // its tail lines up so that a valid RecordIO stream starts at that magic too: only a walk of
    // the headers from the object's start can tell it from a record.
    std::string payload = "rec" + std::to_string(i);
    payload.resize(8, '.');
    payload += u32(0xCED7230AU) + u32(8) + std::string(static_cast<std::size_t>(i % 50), 'x');
    if (i % 7 == 3) {  // split into three parts (cflag 1, 2, 3), joined by the reader
      data += recordio_part(payload.substr(0, 4), 1) + recordio_part(payload.substr(4, 8), 2) +
              recordio_part(payload.substr(12), 3);
    } else {
      data += recordio_part(payload, 0);
    }
    expected.push_back(payload);
  }
  channel(tree, "a.rec", data);
  const Read whole = read_stage(tree, format::RecordFormat::kRecordIO, 0, 1);
  ASSERT_EQ(whole.payloads, expected);
  for (const std::uint64_t piece : {std::uint64_t{64}, std::uint64_t{500}}) {
    const Read pieces = read_stage(tree, format::RecordFormat::kRecordIO, piece, 2);
    EXPECT_GT(pieces.objects, 10U) << piece;
    EXPECT_EQ(pieces.payloads, expected) << piece;
  }
}

// The header walk stops where the framer would refuse (here a cflag of 5): no piece starts past a
// corrupt header, so its error comes where reading the object whole raises it, never after records
// that follow it.
TEST(ObjectPieces, NoRecordIOPieceStartsPastAHeaderTheFramerRefuses) {
  TestTree tree;
  std::string data;
  for (int i = 0; i < 100; ++i) data += recordio_part(std::string(60, 'a'), 0);
  const std::size_t corrupt = data.size();
  data += u32(0xCED7230AU) + u32((5U << 29U) | 60U) + std::string(60, 'b');
  for (int i = 0; i < 100; ++i) data += recordio_part(std::string(60, 'c'), 0);
  channel(tree, "a.rec", data);
  const Environment environment = tree.environment();
  const ChannelConfig& config = environment.channel("train");
  const auto pieces =
      cut_into_pieces(config, io::list_channel_objects(config, {}),
                      PiecePlan{256, format::RecordFormat::kRecordIO, {}, io::CompressionMode::kAuto, 1});
  ASSERT_GT(pieces.size(), 3U);
  EXPECT_LE(pieces.back().range.begin, corrupt);
  EXPECT_EQ(pieces.back().range.end, data.size());
  EXPECT_THROW((void)read_stage(tree, format::RecordFormat::kRecordIO, 256, 2, true), DataError);
}

TEST(ObjectPieces, ShuffledPiecesDeliverEveryRecordOnce) {
  TestTree tree;
  channel(tree, "a.csv", quoted_csv(600));
  const Read whole = read_stage(tree, format::RecordFormat::kCsv, 0, 1);
  const Read shuffled = read_stage(tree, format::RecordFormat::kCsv, 256, 2, true);
  EXPECT_NE(shuffled.payloads, whole.payloads);
  EXPECT_EQ(std::multiset<std::string>(shuffled.payloads.begin(), shuffled.payloads.end()),
            std::multiset<std::string>(whole.payloads.begin(), whole.payloads.end()));
  EXPECT_EQ(read_stage(tree, format::RecordFormat::kCsv, 256, 1, true).payloads, shuffled.payloads);
}

TEST(ObjectPieces, CompressedSmallAndTFRecordObjectsAreNotCut) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "File"}})");
  std::string text;
  for (int i = 0; i < 2000; ++i) text += std::to_string(i) + "\n";
  const std::string compressed = chanload::testing::gzip_member(text);
  tree.write("input/data/train/a.gz", compressed + compressed);
  tree.write("input/data/train/b.txt", "short\n");
  tree.write("input/data/train/c.txt", text);
  const Environment environment = tree.environment();
  const ChannelConfig& config = environment.channel("train");
  const auto objects = io::list_channel_objects(config, {});
  PiecePlan plan{100, format::RecordFormat::kLines, {}, io::CompressionMode::kAuto, 2};
  const auto pieces = cut_into_pieces(config, objects, plan);
  ASSERT_GT(pieces.size(), 3U);
  EXPECT_FALSE(pieces[0].ranged);  // gzip: a stream cannot be entered mid-way
  EXPECT_FALSE(pieces[1].ranged);  // smaller than two pieces
  EXPECT_TRUE(pieces[2].ranged);
  EXPECT_EQ(pieces[2].range.begin, 0U);
  EXPECT_EQ(pieces.back().range.end, text.size());
  for (std::size_t i = 3; i < pieces.size(); ++i) {
    EXPECT_EQ(pieces[i].range.begin, pieces[i - 1].range.end);  // end to end, nothing between
    EXPECT_EQ(text[pieces[i].range.begin - 1], '\n');           // each just after a newline
  }
  plan.format = format::RecordFormat::kTFRecord;
  EXPECT_EQ(cut_into_pieces(config, objects, plan).size(), objects.size());
}

}  // namespace
}  // namespace chanload::pipeline
