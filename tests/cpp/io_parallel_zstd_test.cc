// zstd streams of several frames: the frame walker finds every frame's end from its headers alone
// (bytes in pieces of any size, skippable frames, checksums, sizes declared or not), and the
// parallel source gives exactly the bytes one decoder gives, in order, with errors after every
// byte before them, inside its memory budgets, and promptly when dropped.
#include <chanload/errors.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "io/channel_source.h"
#include "io/decompress.h"
#include "io/fifo_source.h"
#include "io/parallel_zstd_source.h"
#include "io/stop_signal.h"
#include "io/thread_cpu.h"
#include "io/zstd_frames.h"
#include "io_test_util.h"
#include "test_tree.h"

namespace chanload::io {
namespace {

using namespace std::chrono_literals;
using chanload::testing::drain;
using chanload::testing::random_bytes;
using chanload::testing::TestTree;
using chanload::testing::zstd_frame;
using Clock = std::chrono::steady_clock;

// A skippable frame (as pzstd writes before every frame) holding `body`.
std::string skippable_frame(const std::string& body, unsigned variant = 0) {
  std::string out;
  const std::uint32_t magic = 0x184D2A50U + variant;
  const auto size = static_cast<std::uint32_t>(body.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((magic >> (8 * i)) & 0xFFU));
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((size >> (8 * i)) & 0xFFU));
  return out + body;
}

// Bytes in memory handed out in pieces of the given sizes in turn.
class PiecesSource final : public ByteSource {
 public:
  PiecesSource(std::string bytes, std::vector<std::size_t> sizes)
      : bytes_(std::move(bytes)), sizes_(std::move(sizes)) {}
  std::span<const std::byte> next() override {
    const std::size_t size = std::min(sizes_[turn_++ % sizes_.size()], bytes_.size() - at_);
    const auto piece = chanload::testing::as_bytes(bytes_).subspan(at_, size);
    at_ += size;
    return piece;
  }
  [[nodiscard]] const std::string& origin() const override { return origin_; }

 private:
  std::string bytes_;
  std::vector<std::size_t> sizes_;
  std::size_t at_ = 0;
  std::size_t turn_ = 0;
  std::string origin_ = "train_0";
};

// Where the walker says each frame ends, the stream fed in pieces of the given sizes.
std::vector<std::uint64_t> frame_ends(const std::string& stream, const std::vector<std::size_t>& sizes) {
  ZstdFrameWalker walker("train_0");
  std::vector<std::uint64_t> ends;
  PiecesSource source(stream, sizes);
  while (true) {
    auto piece = source.next();
    if (piece.empty()) break;
    while (!piece.empty()) {
      const auto step = walker.feed(piece);
      piece = piece.subspan(step.bytes);
      if (step.frame_ended) ends.push_back(walker.offset());
    }
  }
  EXPECT_TRUE(walker.between_frames());
  return ends;
}

TEST(ZstdFrameWalker, FindsEveryFrameEndAsZstdDoesInPiecesOfAnySize) {
  std::string stream;
  std::vector<std::uint64_t> expected;
  const auto add = [&](const std::string& frame) {
    stream += frame;
    expected.push_back(stream.size());
  };
  add(zstd_frame(random_bytes(300000, 1)));                         // several blocks, declared size
  add(zstd_frame(std::string(500000, 'a'), 1, true));               // RLE blocks, a checksum
  add(skippable_frame("sizes", 3));                                 // pzstd's record
  add(zstd_frame("", 3, false, true));                              // an empty frame
  add(zstd_frame(random_bytes(70000, 2), 19, true, false));         // size not declared
  add(skippable_frame(""));                                         // an empty skippable frame
  add(zstd_frame(random_bytes(1000, 3) + std::string(9000, 'b')));  // a single segment
  // zstd itself agrees on every frame's size.
  std::uint64_t at = 0;
  for (const std::uint64_t end : expected) {
    EXPECT_EQ(ZSTD_findFrameCompressedSize(stream.data() + at, stream.size() - at), end - at);
    at = end;
  }
  for (const auto& sizes : std::vector<std::vector<std::size_t>>{{1}, {3, 7}, {4096}, {1 << 20}}) {
    EXPECT_EQ(frame_ends(stream, sizes), expected) << "pieces of " << sizes[0];
  }
}

TEST(ZstdFrameWalker, BytesThatStartNoFrameAreAnErrorNamingTheStreamAndOffset) {
  const std::string good = zstd_frame("first frame");
  ZstdFrameWalker walker("train_0");
  const std::string stream = good + "garbage!";
  auto piece = chanload::testing::as_bytes(stream);
  const auto step = walker.feed(piece);
  EXPECT_TRUE(step.frame_ended);
  EXPECT_EQ(step.bytes, good.size());
  try {
    (void)walker.feed(piece.subspan(step.bytes));
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_EQ(e.origin(), "train_0");
    EXPECT_EQ(e.offset(), good.size());
    EXPECT_NE(std::string(e.what()).find("expected a frame's magic"), std::string::npos) << e.what();
  }
}

TEST(ZstdFrameWalker, AReservedBlockTypeIsAnError) {
  std::string frame = zstd_frame(random_bytes(1000, 4));
  // The first block header follows the 4-byte magic and the frame header its descriptor sizes.
  const auto descriptor = static_cast<unsigned char>(frame[4]);
  const bool single_segment = (descriptor & 0x20U) != 0;
  const std::size_t content_size[] = {single_segment ? 1U : 0U, 2, 4, 8};
  const std::size_t dictionary[] = {0, 1, 2, 4};
  const std::size_t header =
      4 + 1 + (single_segment ? 0 : 1) + dictionary[descriptor & 3U] + content_size[descriptor >> 6U];
  frame[header] = static_cast<char>(static_cast<unsigned char>(frame[header]) | 0x06U);  // type 3
  ZstdFrameWalker walker("train_0");
  EXPECT_THROW((void)walker.feed(chanload::testing::as_bytes(frame)), DataError);
}

std::string many_frames(std::size_t frames, std::size_t bytes_each, std::string* text) {
  std::string stream;
  for (std::size_t i = 0; i < frames; ++i) {
    const std::string part = random_bytes(bytes_each + i * 1000, static_cast<unsigned>(10 + i)) +
                             std::string(bytes_each / 2, static_cast<char>('a' + i % 26));
    *text += part;
    if (i % 3 == 1) stream += skippable_frame("pzstd");
    stream += zstd_frame(part, 3, i % 2 == 0, i % 4 != 3);
  }
  return stream;
}

std::unique_ptr<ByteSource> parallel(std::string stream, ParallelZstdOptions options,
                                     std::vector<std::size_t> pieces = {65536}) {
  return decompressing(std::make_unique<PiecesSource>(std::move(stream), std::move(pieces)),
                       CompressionMode::kAuto, 64 << 10, nullptr, {}, &options);
}

// Appends the source's bytes to `got` until its end or its error (which propagates, `got` kept).
void drain_into(ByteSource& source, std::string& got) {
  while (true) {
    const auto piece = source.next();
    if (piece.empty()) return;
    got.append(reinterpret_cast<const char*>(piece.data()), piece.size());
  }
}

TEST(ParallelZstdSource, GivesEveryFramesBytesInStreamOrder) {
  std::string text;
  const std::string stream = many_frames(12, 200000, &text);
  for (const std::size_t threads : {std::size_t{2}, std::size_t{3}, std::size_t{8}}) {
    ParallelZstdOptions options;
    options.threads = threads;
    options.output_chunk_bytes = 64 << 10;
    auto source = parallel(stream, options, {1, 100, 65536, 7});
    ASSERT_NE(dynamic_cast<ParallelZstdSource*>(source.get()), nullptr);
    EXPECT_TRUE(decompresses(*source));
    EXPECT_EQ(drain(*source), text) << threads << " threads";
    EXPECT_TRUE(source->next().empty());  // and at every call after the end
  }
}

TEST(ParallelZstdSource, ItsThreadsCpuTimeGoesToTheTallyWhenTheSourceCloses) {
  std::string text;
  const std::string stream = many_frames(8, 1 << 20, &text);
  ParallelZstdOptions options;
  options.threads = 2;
  options.cpu = std::make_shared<std::atomic<std::uint64_t>>(0);
  {
    auto source = parallel(stream, options);
    EXPECT_EQ(drain(*source), text);
  }
  // Every thread has ended with the source: the splitter walked every frame and the workers decoded
  // 12 MB, at least a few milliseconds of CPU of their own.
  EXPECT_GT(static_cast<double>(options.cpu->load()) * 1e-9, 0.002);
}

TEST(ParallelZstdSource, BudgetsSmallerThanOneFrameStillMoveAndGiveTheSameBytes) {
  std::string text;
  const std::string stream = many_frames(6, 1 << 20, &text);
  ParallelZstdOptions options;
  options.threads = 3;
  options.output_chunk_bytes = 16 << 10;
  options.output_budget_bytes = 1;  // frames ahead hold one chunk each
  options.input_budget_bytes = 1;
  EXPECT_EQ(drain(*parallel(stream, options)), text);
}

TEST(ParallelZstdSource, OneLargeFrameIsOneDecoder) {
  const std::string text = random_bytes(3 << 20, 21) + std::string(2 << 20, 'z');
  ParallelZstdOptions options;
  options.threads = 4;
  EXPECT_EQ(drain(*parallel(zstd_frame(text), options)), text);
}

// Every byte of the frames before a corrupt one comes first, then the error, with its offset in
// the corrupt frame.
TEST(ParallelZstdSource, ACorruptFrameFailsAfterTheFramesBeforeIt) {
  const std::string first = random_bytes(300000, 30);
  const std::string second = random_bytes(300000, 31);
  const std::string a = zstd_frame(first);
  std::string b = zstd_frame(second, 3, true);
  b[b.size() / 2] = static_cast<char>(b[b.size() / 2] ^ 0x5A);
  const std::string c = zstd_frame(random_bytes(300000, 32));
  ParallelZstdOptions options;
  options.threads = 3;
  auto source = parallel(a + b + c, options);
  std::string got;
  try {
    drain_into(*source, got);
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_EQ(e.origin(), "train_0");
    EXPECT_GE(e.offset(), a.size());
    EXPECT_LT(e.offset(), a.size() + b.size());
    EXPECT_NE(std::string(e.what()).find("corrupt zstd data"), std::string::npos) << e.what();
  }
  ASSERT_GE(got.size(), first.size());
  EXPECT_EQ(got.substr(0, first.size()), first);
  EXPECT_LE(got.size(), first.size() + second.size());
}

TEST(ParallelZstdSource, AStreamEndingInsideAFrameIsTruncatedAfterItsBytes) {
  const std::string first = random_bytes(200000, 40);
  const std::string second = zstd_frame(random_bytes(400000, 41));
  ParallelZstdOptions options;
  options.threads = 2;
  auto source = parallel(zstd_frame(first) + second.substr(0, second.size() / 2), options);
  std::string got;
  try {
    drain_into(*source, got);
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  EXPECT_EQ(got.substr(0, first.size()), first);
}

TEST(ParallelZstdSource, GarbageAfterAFrameFailsAfterItsBytes) {
  const std::string first = random_bytes(100000, 50);
  ParallelZstdOptions options;
  options.threads = 2;
  auto source = parallel(zstd_frame(first) + "not zstd at all", options);
  std::string got;
  EXPECT_THROW(drain_into(*source, got), DataError);
  EXPECT_EQ(got, first);
}

TEST(ParallelZstdSource, DroppingItWhileItWaitsOnAStalledFifoWriterIsPrompt) {
  TestTree tree;
  const auto path = (tree.root() / "train_0").string();
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  const std::string head = zstd_frame(std::string(200000, 'x')) + zstd_frame(random_bytes(400000, 60));
  std::thread writer([&] {  // sends a frame and part of the next, then holds the FIFO open, silent
    const int fd = ::open(path.c_str(), O_WRONLY);
    if (fd < 0) return;
    (void)!::write(fd, head.data(), head.size() - 1000);
    std::this_thread::sleep_for(2s);
    ::close(fd);
  });
  FifoReadOptions fifo;
  fifo.timeout = 60s;
  fifo.stop = std::make_shared<StopSignal>();
  fifo.stream_stop = std::make_shared<StopSignal>();
  ParallelZstdOptions options;
  options.threads = 2;
  options.stream_stop = fifo.stream_stop;
  auto source =
      decompressing(open_fifo_source(path, fifo), CompressionMode::kAuto, 64 << 10, nullptr, {}, &options);
  EXPECT_FALSE(source->next().empty());  // the first frame decodes
  std::this_thread::sleep_for(100ms);    // the reading thread now waits on the writer
  const auto start = Clock::now();
  source.reset();
  EXPECT_LT(Clock::now() - start, 1s);
  EXPECT_FALSE(fifo.stop->stop_requested());  // the channel's own stop is untouched
  writer.join();
}

// Pipe mode as the platform gives it: several .zst objects end to end in one FIFO.
TEST(ParallelZstdSource, PipeModeDecodesConcatenatedObjectsFramesAtOnce) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "Pipe"}})");
  std::string text;
  const std::string stream = many_frames(8, 300000, &text);
  std::filesystem::create_directories(tree.root() / "input/data");
  const auto fifo = (tree.root() / "input/data/train_0").string();
  std::thread writer = chanload::testing::fifo_writer(fifo, stream);
  ChannelReadOptions read;
  read.pipe_timeout = 10s;
  read.zstd_frame_threads = 3;
  read.zstd_frame_budget_bytes = 1 << 20;
  ChannelSource source(tree.environment(), "train", read);
  std::string got;
  while (auto chunk = source.next())
    got.append(reinterpret_cast<const char*>(chunk->bytes.data()), chunk->bytes.size());
  writer.join();
  EXPECT_EQ(got, text);
}

}  // namespace
}  // namespace chanload::io
