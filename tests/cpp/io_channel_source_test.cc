// The channel as chunks: modes, epochs, origins and offsets, compression, errors.
#include <chanload/errors.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "io/channel_source.h"
#include "io/gzip_writer.h"
#include "io/stop_signal.h"
#include "io_test_util.h"
#include "test_tree.h"

namespace chanload::io {
namespace {

using namespace std::chrono_literals;
using chanload::testing::fifo_writer;
using chanload::testing::random_bytes;
using chanload::testing::TestTree;

struct Read {
  std::string bytes;
  std::vector<std::string> streams;  // origin of each end-of-stream marker, in order
  std::vector<std::uint64_t> epochs;
};

Read read_all(ChannelSource& source) {
  Read out;
  std::uint64_t expected_offset = 0;
  while (auto chunk = source.next()) {
    EXPECT_EQ(chunk->offset, expected_offset);
    out.bytes.append(reinterpret_cast<const char*>(chunk->bytes.data()), chunk->bytes.size());
    expected_offset += chunk->bytes.size();
    if (chunk->end_of_stream) {
      out.streams.push_back(*chunk->origin);
      out.epochs.push_back(chunk->epoch);
      expected_offset = 0;
    }
  }
  return out;
}

void file_channel(const TestTree& tree, const std::string& extra = "") {
  tree.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "File")" + extra + "}}");
}

TEST(ChannelSource, FileModeReadsEveryFileInNaturalOrderEachEpoch) {
  TestTree tree;
  file_channel(tree);
  tree.write("input/data/train/part-10", "ten\n");
  tree.write("input/data/train/part-2", "two\n");
  tree.write("input/data/train/.hidden", "no\n");
  tree.write("input/data/train/empty", "");
  ChannelReadOptions options;
  options.epochs = 2;
  options.chunk_bytes = 2;
  ChannelSource source(tree.environment(), "train", options);
  const Read read = read_all(source);
  EXPECT_EQ(read.bytes, "two\nten\ntwo\nten\n");
  ASSERT_EQ(read.streams.size(), 6U);
  EXPECT_EQ(read.streams[0], (tree.root() / "input/data/train/empty").string());
  EXPECT_EQ(read.streams[1], (tree.root() / "input/data/train/part-2").string());
  EXPECT_EQ(read.streams[2], (tree.root() / "input/data/train/part-10").string());
  EXPECT_EQ(read.epochs, (std::vector<std::uint64_t>{0, 0, 0, 1, 1, 1}));
}

TEST(ChannelSource, CompressedFilesAreDecompressedByTheirBytes) {
  TestTree tree;
  file_channel(tree);
  const std::string text = random_bytes(100000, 21);
  std::string gz;
  GzipWriter writer(
      [&](std::span<const std::byte> b) { gz.append(reinterpret_cast<const char*>(b.data()), b.size()); });
  writer.write(chanload::testing::as_bytes(text));
  writer.finish_member();
  tree.write("input/data/train/a.gz", gz);
  tree.write("input/data/train/b.txt", "plain");
  ChannelSource source(tree.environment(), "train", {});
  EXPECT_EQ(read_all(source).bytes, text + "plain");
}

TEST(ChannelSource, AnEmptyFileModeChannelYieldsNoData) {
  TestTree tree;
  file_channel(tree, R"(, "S3DistributionType": "ShardedByS3Key")");
  ChannelReadOptions options;
  options.epochs = 3;
  ChannelSource source(tree.environment(), "train", options);
  EXPECT_FALSE(source.next().has_value());
}

TEST(ChannelSource, AFileThatDisappearsAfterListingIsNamed) {
  TestTree tree;
  file_channel(tree);
  tree.write("input/data/train/part-1", "one");
  tree.write("input/data/train/part-2", "two");
  ChannelSource source(tree.environment(), "train", {});
  std::filesystem::remove(tree.root() / "input/data/train/part-2");
  try {
    (void)read_all(source);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(e.origin(), (tree.root() / "input/data/train/part-2").string());
  }
}

TEST(ChannelSource, ModeOverrideThatContradictsTheConfigIsRefused) {
  TestTree tree;
  file_channel(tree);
  ChannelReadOptions options;
  options.mode = InputMode::kPipe;
  try {
    ChannelSource source(tree.environment(), "train", options);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("says TrainingInputMode \"File\""), std::string::npos);
  }
}

TEST(ChannelSource, ModeOverrideDecidesWhenTheConfigIsSilent) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {}})");
  ChannelReadOptions options;
  options.mode = InputMode::kPipe;
  options.pipe_timeout = 200ms;
  ChannelSource source(tree.environment(), "train", options);
  EXPECT_EQ(source.mode(), InputMode::kPipe);
  EXPECT_THROW((void)source.next(), TimeoutError);
}

class PipeChannel : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "Pipe"}})");
    std::filesystem::create_directories(tree_.root() / "input/data");
  }
  std::string fifo(int epoch) const {
    return (tree_.root() / ("input/data/train_" + std::to_string(epoch))).string();
  }
  TestTree tree_;
};

TEST_F(PipeChannel, ReadsOneFifoPerEpoch) {
  const std::string e0 = random_bytes(2 << 20, 30);
  const std::string e1 = random_bytes(1000, 31);
  auto w0 = fifo_writer(fifo(0), e0);
  auto w1 = fifo_writer(fifo(1), e1, 200ms);
  ChannelReadOptions options;
  options.epochs = 2;
  ChannelSource source(tree_.environment(), "train", options);
  const Read read = read_all(source);
  EXPECT_EQ(read.bytes, e0 + e1);
  EXPECT_EQ(read.streams, (std::vector<std::string>{fifo(0), fifo(1)}));
  EXPECT_EQ(read.epochs, (std::vector<std::uint64_t>{0, 1}));
  w0.join();
  w1.join();
}

TEST_F(PipeChannel, GzipMembersAndZstdFramesInAPipe) {
  std::string gz;
  GzipWriter writer(
      [&](std::span<const std::byte> b) { gz.append(reinterpret_cast<const char*>(b.data()), b.size()); });
  for (const char* member : {"first member\n", "second member\n"}) {
    writer.write(chanload::testing::as_bytes(member));
    writer.finish_member();
  }
  const auto zstd = chanload::testing::run_command(
      "printf 'frame one\\n' | zstd -q -c; printf 'frame two\\n' | zstd -q -c");
  ASSERT_EQ(zstd.status, 0);
  auto w0 = fifo_writer(fifo(0), gz);
  auto w1 = fifo_writer(fifo(1), zstd.output);
  ChannelReadOptions options;
  options.epochs = 2;
  ChannelSource source(tree_.environment(), "train", options);
  EXPECT_EQ(read_all(source).bytes, "first member\nsecond member\nframe one\nframe two\n");
  w0.join();
  w1.join();
}

TEST_F(PipeChannel, StartsAtAGivenEpochAndSpendsOnlyOpenedEpochs) {
  auto w3 = fifo_writer(fifo(3), "epoch three");
  ChannelReadOptions options;
  options.start_epoch = 3;
  options.epochs = 2;
  options.pipe_timeout = 300ms;
  ChannelSource source(tree_.environment(), "train", options);
  std::string bytes;
  EXPECT_THROW(
      {
        while (auto chunk = source.next())
          bytes.append(reinterpret_cast<const char*>(chunk->bytes.data()), chunk->bytes.size());
      },
      TimeoutError);
  EXPECT_EQ(bytes, "epoch three");
  EXPECT_EQ(source.epoch(), 4U);  // epoch 4 timed out before its FIFO opened: not spent
  w3.join();
}

TEST_F(PipeChannel, ASecondReaderOfTheSameChannelIsRefused) {
  ChannelSource first(tree_.environment(), "train", {});
  EXPECT_THROW(ChannelSource(tree_.environment(), "train", {}), ConfigError);
}

TEST_F(PipeChannel, StopEndsAWaitPromptly) {
  ChannelReadOptions options;
  options.stop = std::make_shared<StopSignal>();
  ChannelSource source(tree_.environment(), "train", options);
  std::thread stopper([stop = options.stop] {
    std::this_thread::sleep_for(200ms);
    stop->request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW((void)source.next(), StoppedError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  stopper.join();
}

}  // namespace
}  // namespace chanload::io
