#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "io/decompress.h"
#include "io/file_source.h"
#include "io/gzip_writer.h"
#include "io/reader_cache.h"
#include "io_test_util.h"
#include "test_tree.h"

namespace chanload::io {
namespace {

using chanload::testing::as_bytes;
using chanload::testing::drain;
using chanload::testing::random_bytes;
using chanload::testing::TestTree;

bool page_aligned(const std::byte* data) { return reinterpret_cast<std::uintptr_t>(data) % 4096 == 0; }

TEST(PageBuffer, IsPageAlignedAndAtLeastTheSizeAskedFor) {
  for (const std::size_t size : {1UL, 4095UL, 4096UL, 4097UL, 1UL << 20}) {
    const PageBuffer buffer(size, nullptr);
    EXPECT_TRUE(page_aligned(buffer.data())) << size;
    EXPECT_EQ(buffer.size(), size);
    EXPECT_GE(buffer.capacity(), size);
    EXPECT_EQ(buffer.capacity() % 4096, 0U);
  }
}

TEST(ReaderCache, AReturnedBufferIsHandedOutAgain) {
  const auto cache = std::make_shared<ReaderCache>();
  const std::byte* first = nullptr;
  {
    const PageBuffer buffer(std::size_t{1} << 20, cache);
    first = buffer.data();
  }
  EXPECT_EQ(cache->kept_buffers(), 1U);
  const PageBuffer again(std::size_t{1} << 20, cache);
  EXPECT_EQ(again.data(), first);
  EXPECT_EQ(cache->allocations(), 1U);
  EXPECT_EQ(cache->kept_buffers(), 0U);
}

TEST(ReaderCache, TheSmallestKeptBufferThatFitsIsTaken) {
  const auto cache = std::make_shared<ReaderCache>();
  const std::byte* small = nullptr;
  const std::byte* large = nullptr;
  {
    const PageBuffer a(4096, cache);
    const PageBuffer b(std::size_t{1} << 20, cache);
    small = a.data();
    large = b.data();
  }
  {
    const PageBuffer fits_small(100, cache);
    EXPECT_EQ(fits_small.data(), small);
    const PageBuffer needs_large(8192, cache);
    EXPECT_EQ(needs_large.data(), large);
    EXPECT_EQ(needs_large.size(), 8192U);
    const PageBuffer none_left(10, cache);  // both lent: a new one
    EXPECT_NE(none_left.data(), small);
    EXPECT_EQ(cache->allocations(), 3U);
  }
}

TEST(ReaderCache, KeepsAtMostKMaxKeptBuffersAndTheLargestOfThem) {
  const auto cache = std::make_shared<ReaderCache>();
  {
    std::vector<PageBuffer> lent;
    for (std::size_t i = 1; i <= ReaderCache::kMaxKept + 4; ++i) lent.emplace_back(i * 4096, cache);
  }
  EXPECT_EQ(cache->kept_buffers(), ReaderCache::kMaxKept);
  std::size_t expected = 0;  // the kMaxKept largest: 5..12 pages
  for (std::size_t i = 5; i <= ReaderCache::kMaxKept + 4; ++i) expected += i * 4096;
  EXPECT_EQ(cache->kept_bytes(), expected);
}

TEST(ReaderCache, AMovedBufferIsReturnedOnce) {
  const auto cache = std::make_shared<ReaderCache>();
  {
    PageBuffer a(4096, cache);
    PageBuffer b(std::move(a));
    PageBuffer c(8192, cache);
    c = std::move(b);  // c's own buffer goes back now, b's when c goes
    EXPECT_EQ(cache->kept_buffers(), 1U);
    EXPECT_EQ(a.data(), nullptr);  // NOLINT(bugprone-use-after-move): moved-from is documented empty
  }
  EXPECT_EQ(cache->kept_buffers(), 2U);
}

TEST(ReaderCache, BuffersCanGoBackFromAnotherThread) {
  const auto cache = std::make_shared<ReaderCache>();
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([cache] {
      for (int i = 0; i < 200; ++i) {
        PageBuffer buffer(4096 * static_cast<std::size_t>(1 + i % 3), cache);
        buffer.data()[0] = std::byte{1};
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(cache->kept_buffers(), ReaderCache::kMaxKept);
  EXPECT_LE(cache->allocations(), 6U);  // at most two lent at once, of three sizes
}

TEST(ReaderCache, AnIdleRingIsReusedAndASmallOneReplaced) {
  if (!io_uring_allowed()) GTEST_SKIP() << "io_uring is refused here";
  const auto cache = std::make_shared<ReaderCache>();
  io_uring* ring = ReaderCache::take_ring(cache, 8, "test");
  ReaderCache::give_ring(cache, ring, 8);
  io_uring* again = ReaderCache::take_ring(cache, 8, "test");
  EXPECT_EQ(again, ring);
  ReaderCache::give_ring(cache, again, 8);
  io_uring* larger = ReaderCache::take_ring(cache, 16, "test");  // the kept one is too small
  EXPECT_NE(larger, nullptr);
  ReaderCache::give_ring(cache, larger, 16);  // one is kept already: this one is torn down
}

class CachedFileSourceTest : public ::testing::TestWithParam<IoBackend> {
 protected:
  void SetUp() override {
    if (GetParam() == IoBackend::kIoUring && !io_uring_allowed()) GTEST_SKIP() << "io_uring is refused here";
  }
  // 4 KiB reads, so that small files make many pieces; one cache for every file of the test.
  [[nodiscard]] FileReadOptions cached_options() const {
    FileReadOptions options;
    options.backend = GetParam();
    options.chunk_bytes = 4096;
    options.cache = std::make_shared<ReaderCache>();
    return options;
  }
};

// File after file through one cache, as a channel reads them: every byte exact, buffers reused.
TEST_P(CachedFileSourceTest, FilesInSequenceReadExactlyAndReuseTheBuffers) {
  TestTree tree;
  const FileReadOptions options = cached_options();
  const std::vector<std::size_t> sizes = {0, 1, 4095, 4096, 4097, 5 * 4096 + 7, 40 * 4096 + 1, 3, 9 * 4096};
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      const std::string content =
          random_bytes(sizes[i], static_cast<unsigned>(i) + 100U * static_cast<unsigned>(round));
      tree.write("f" + std::to_string(i), content);
      const auto source = open_file_source((tree.root() / ("f" + std::to_string(i))).string(), options);
      EXPECT_EQ(drain(*source), content) << "round " << round << " size " << sizes[i];
    }
  }
  // One buffer per io_uring slot, plus what the small files' single reads took the first time.
  EXPECT_LE(options.cache->allocations(), options.queue_depth + 2);
}

// A source dropped with reads in flight settles them before its ring and buffers serve the next file.
TEST_P(CachedFileSourceTest, ASourceDroppedMidFileLeavesTheCacheUsable) {
  TestTree tree;
  const FileReadOptions options = cached_options();
  const std::string first = random_bytes(64 * 4096, 1);
  const std::string second = random_bytes(64 * 4096 + 5, 2);
  tree.write("a", first);
  tree.write("b", second);
  {
    const auto source = open_file_source((tree.root() / "a").string(), options);
    const auto piece = source->next();
    ASSERT_EQ(piece.size(), 4096U);
  }
  const auto source = open_file_source((tree.root() / "b").string(), options);
  EXPECT_EQ(drain(*source), second);
}

INSTANTIATE_TEST_SUITE_P(Backends, CachedFileSourceTest,
                         ::testing::Values(IoBackend::kIoUring, IoBackend::kPread),
                         [](const auto& param_info) {
                           return std::string(param_info.param == IoBackend::kIoUring ? "IoUring" : "Pread");
                         });

// Hands out one string in one piece, and says where that piece lives.
class OnePieceSource final : public ByteSource {
 public:
  explicit OnePieceSource(std::string data) : data_(std::move(data)) {}
  std::span<const std::byte> next() override {
    if (done_) return {};
    done_ = true;
    return as_bytes(data_);
  }
  [[nodiscard]] const std::string& origin() const override { return name_; }
  [[nodiscard]] const std::byte* where() const { return as_bytes(data_).data(); }

 private:
  std::string data_;
  bool done_ = false;
  std::string name_ = "input/data/train/part-1";
};

// The first piece is read to see the magic; an uncompressed stream hands it on as lent, not copied.
TEST(Decompress, AnUncompressedFirstPieceIsHandedOnNotCopied) {
  auto inner = std::make_unique<OnePieceSource>(random_bytes(std::size_t{1} << 20, 5) + "plain");
  const std::byte* where = inner->where();
  const auto source = decompressing(std::move(inner), CompressionMode::kAuto, 4096);
  const auto piece = source->next();
  EXPECT_EQ(piece.data(), where);
  EXPECT_EQ(piece.size(), (std::size_t{1} << 20) + 5);
  EXPECT_TRUE(source->next().empty());
}

TEST(Decompress, StreamsInSequenceShareTheOutputBuffer) {
  const auto cache = std::make_shared<ReaderCache>();
  for (int i = 0; i < 5; ++i) {
    const std::string content = random_bytes(10000 + static_cast<std::size_t>(i), static_cast<unsigned>(i));
    std::string gzip;
    GzipWriter writer([&](std::span<const std::byte> b) {
      gzip.append(reinterpret_cast<const char*>(b.data()), b.size());
    });
    writer.write(as_bytes(content));
    writer.finish_member();
    const auto source =
        decompressing(std::make_unique<OnePieceSource>(gzip), CompressionMode::kAuto, 4096, cache);
    EXPECT_EQ(drain(*source), content);
  }
  EXPECT_EQ(cache->allocations(), 1U);
}

}  // namespace
}  // namespace chanload::io
