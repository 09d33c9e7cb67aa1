// Decompression read ahead on a thread of its own: the same bytes in the same order, errors after
// the bytes before them, and a stream dropped early never waits out a stalled FIFO writer.
#include "io/read_ahead_source.h"

#include <chanload/errors.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "io/channel_source.h"
#include "io/decompress.h"
#include "io/fifo_source.h"
#include "io/stop_signal.h"
#include "io/thread_cpu.h"
#include "io_test_util.h"
#include "test_tree.h"

namespace chanload::io {
namespace {

using namespace std::chrono_literals;
using chanload::testing::drain;
using chanload::testing::random_bytes;
using chanload::testing::TestTree;
using Clock = std::chrono::steady_clock;

// A source that hands out `pieces` pieces of `text` and then throws, like corrupt data.
class FailingSource final : public ByteSource {
 public:
  FailingSource(std::string text, std::size_t pieces) : text_(std::move(text)), pieces_(pieces) {}
  std::span<const std::byte> next() override {
    if (given_ == pieces_)
      throw DataError(origin_ + ": corrupt gzip data near compressed byte 99", origin_, 99);
    ++given_;
    return chanload::testing::as_bytes(text_);
  }
  [[nodiscard]] const std::string& origin() const override { return origin_; }

 private:
  std::string text_;
  std::size_t pieces_;
  std::size_t given_ = 0;
  std::string origin_ = "a.csv.gz";
};

TEST(ReadAheadSource, GivesTheDecompressedBytesInOrder) {
  TestTree tree;
  const std::string text = random_bytes(5 << 20, 3);
  tree.write("a.gz", chanload::testing::gzip_member(text));
  FileReadOptions file;
  file.chunk_bytes = 64 << 10;
  auto stream = decompressing(open_file_source((tree.root() / "a.gz").string(), file), CompressionMode::kAuto,
                              64 << 10);
  ASSERT_TRUE(decompresses(*stream));
  ReadAheadSource ahead(std::move(stream), 2, nullptr);
  EXPECT_EQ(ahead.origin(), (tree.root() / "a.gz").string());
  EXPECT_EQ(drain(ahead), text);
  EXPECT_TRUE(ahead.next().empty());  // and at every call after the end
}

TEST(ReadAheadSource, AnErrorComesAfterEveryPieceBeforeIt) {
  ReadAheadSource ahead(std::make_unique<FailingSource>("piece", 3), 2, nullptr);
  for (int i = 0; i < 3; ++i) {
    const auto piece = ahead.next();
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(piece.data()), piece.size()), "piece");
  }
  try {
    (void)ahead.next();
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_EQ(e.offset(), 99U);
    EXPECT_NE(std::string(e.what()).find("a.csv.gz: corrupt gzip data"), std::string::npos);
  }
}

// A source whose one piece costs its reader about 30 ms of CPU.
class BusySource final : public ByteSource {
 public:
  std::span<const std::byte> next() override {
    if (given_) return {};
    given_ = true;
    const double start = thread_cpu_seconds();
    while (thread_cpu_seconds() - start < 0.03) {
    }
    return chanload::testing::as_bytes(text_);
  }
  [[nodiscard]] const std::string& origin() const override { return text_; }

 private:
  bool given_ = false;
  std::string text_ = "busy";
};

TEST(ReadAheadSource, ItsThreadsCpuTimeGoesToTheTallyWhenItEnds) {
  const CpuTally tally = std::make_shared<std::atomic<std::uint64_t>>(0);
  const double caller_started = thread_cpu_seconds();
  {
    ReadAheadSource ahead(std::make_unique<BusySource>(), 2, nullptr, tally);
    EXPECT_EQ(drain(ahead), "busy");
  }
  EXPECT_GE(static_cast<double>(tally->load()) * 1e-9, 0.03);  // the reading thread's, not the caller's
  EXPECT_LT(thread_cpu_seconds() - caller_started, 0.025);
}

TEST(ReadAheadSource, DroppingItWhileItWaitsOnAStalledFifoWriterIsPrompt) {
  TestTree tree;
  const auto path = (tree.root() / "train_0").string();
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  const std::string head = chanload::testing::gzip_member(std::string(200000, 'x') + "\n");
  std::thread writer([&] {  // sends part of a gzip stream, then holds the FIFO open, silent
    const int fd = ::open(path.c_str(), O_WRONLY);
    if (fd < 0) return;
    (void)!::write(fd, head.data(), head.size() / 2);
    std::this_thread::sleep_for(2s);
    ::close(fd);
  });
  FifoReadOptions fifo;
  fifo.timeout = 60s;
  fifo.stop = std::make_shared<StopSignal>();
  fifo.stream_stop = std::make_shared<StopSignal>();
  auto ahead = std::make_unique<ReadAheadSource>(
      decompressing(open_fifo_source(path, fifo), CompressionMode::kAuto, 64 << 10), 2, fifo.stream_stop);
  EXPECT_FALSE(ahead->next().empty());  // what the writer sent decompresses
  std::this_thread::sleep_for(100ms);   // the reader thread is now waiting on the writer
  const auto start = Clock::now();
  ahead.reset();
  EXPECT_LT(Clock::now() - start, 1s);
  EXPECT_FALSE(fifo.stop->stop_requested());  // the channel's own stop is untouched
  writer.join();
}

TEST(ReadAheadSource, PipeModeReadsAheadAndDeliversTheSameChunks) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "Pipe"}})");
  const std::string text = random_bytes(3 << 20, 5);
  std::filesystem::create_directories(tree.root() / "input/data");
  const auto fifo = (tree.root() / "input/data/train_0").string();
  std::thread writer = chanload::testing::fifo_writer(fifo, chanload::testing::gzip_member(text));
  ChannelReadOptions read;
  read.pipe_timeout = 10s;
  read.read_ahead_pieces = 2;
  ChannelSource source(tree.environment(), "train", read);
  std::string got;
  while (auto chunk = source.next()) {
    got.append(reinterpret_cast<const char*>(chunk->bytes.data()), chunk->bytes.size());
  }
  writer.join();
  EXPECT_EQ(got, text);
}

}  // namespace
}  // namespace chanload::io
