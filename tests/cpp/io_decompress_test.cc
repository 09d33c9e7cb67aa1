#include <chanload/errors.h>
#include <gtest/gtest.h>
#include <zstd.h>

#include <cstring>
#include <vector>

#include "format/crc32c.h"
#include "format/framer_factories.h"

#include "io/decompress.h"
#include "io/gzip_writer.h"
#include "io_test_util.h"
#include "test_tree.h"

namespace chanload::io {
namespace {

using chanload::testing::as_bytes;
using chanload::testing::random_bytes;

// Hands out a string in pieces of a fixed size (a FIFO's reads can be tiny).
class StringSource final : public ByteSource {
 public:
  StringSource(std::string data, std::size_t piece) : data_(std::move(data)), piece_(piece) {}
  std::span<const std::byte> next() override {
    const std::size_t n = std::min(piece_, data_.size() - pos_);
    std::span<const std::byte> out(reinterpret_cast<const std::byte*>(data_.data()) + pos_, n);
    pos_ += n;
    return out;
  }
  [[nodiscard]] const std::string& origin() const override { return name_; }

 private:
  std::string data_;
  std::size_t piece_;
  std::size_t pos_ = 0;
  std::string name_ = "input/data/train_0";
};

std::string decompress(const std::string& data, std::size_t piece = 1000,
                       CompressionMode mode = CompressionMode::kAuto) {
  auto source = decompressing(std::make_unique<StringSource>(data, piece), mode, 4096);
  return chanload::testing::drain(*source);
}

std::string gzip_members(const std::vector<std::string>& members) {
  std::string out;
  GzipWriter writer(
      [&](std::span<const std::byte> b) { out.append(reinterpret_cast<const char*>(b.data()), b.size()); });
  for (const auto& m : members) {
    writer.write(as_bytes(m));
    writer.finish_member();
  }
  return out;
}

// With a content checksum, as the zstd tool writes by default: corruption in raw literals is caught.
std::string zstd_frame(const std::string& data) {
  ZSTD_CCtx* context = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const std::size_t n = ZSTD_compress2(context, out.data(), out.size(), data.data(), data.size());
  ZSTD_freeCCtx(context);
  out.resize(n);
  return out;
}

TEST(Decompress, PlainBytesPassThroughInAnyPieces) {
  const std::string data = random_bytes(100000, 3) + "tail";
  EXPECT_EQ(decompress(data, 1), data);
  EXPECT_EQ(decompress(data, 7), data);
  EXPECT_EQ(decompress(""), "");
  EXPECT_EQ(decompress("ab"), "ab");  // shorter than any magic
}

TEST(Decompress, ConcatenatedGzipMembersAreOneStream) {
  const std::string a = random_bytes(50000, 1);
  const std::string b(70000, 'b');
  const std::string compressed = gzip_members({a, "", b});
  EXPECT_EQ(decompress(compressed, 1), a + b);
  EXPECT_EQ(decompress(compressed, 65536), a + b);
}

TEST(Decompress, GzipFromTheGzipToolIsRead) {
  chanload::testing::TestTree tree;
  const std::string content = random_bytes(30000, 9) + std::string(30000, 'z');
  tree.write("plain", content);
  const auto out = chanload::testing::run_command("gzip -c " + (tree.root() / "plain").string() + " " +
                                                  (tree.root() / "plain").string());
  ASSERT_EQ(out.status, 0);
  EXPECT_EQ(decompress(out.output), content + content);
}

TEST(Decompress, ConcatenatedZstdFramesAreOneStream) {
  const std::string a = random_bytes(50000, 4);
  const std::string b(300000, 'q');
  EXPECT_EQ(decompress(zstd_frame(a) + zstd_frame(b), 3), a + b);
}

TEST(Decompress, CorruptGzipNamesTheOriginAndCompressedOffset) {
  std::string compressed = gzip_members({std::string(100000, 'x') + random_bytes(100000, 5)});
  compressed[compressed.size() / 2] = static_cast<char>(compressed[compressed.size() / 2] ^ 0x5A);
  try {
    (void)decompress(compressed);
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_EQ(e.origin(), "input/data/train_0");
    EXPECT_NE(std::string(e.what()).find("gzip"), std::string::npos);
    EXPECT_LE(e.offset(), compressed.size());
  }
}

TEST(Decompress, TruncatedGzipAndZstdAreErrors) {
  const std::string gz = gzip_members({random_bytes(20000, 6)});
  EXPECT_THROW((void)decompress(gz.substr(0, gz.size() - 5)), DataError);
  const std::string zs = zstd_frame(random_bytes(20000, 7));
  try {
    (void)decompress(zs.substr(0, zs.size() - 10));
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos);
  }
}

// A stream cut off delivers every byte it can decode before the truncation error, so the records in
// them reach the reader (and a cut sample keeps them) instead of vanishing with the error.
TEST(Decompress, ATruncatedStreamDeliversWhatItDecodedBeforeItsError) {
  const std::string text = random_bytes(200000, 9);
  for (const std::string& stored : {gzip_members({text}), zstd_frame(text)}) {
    const std::string cut = stored.substr(0, stored.size() / 2);
    // One output chunk larger than all the text: before the fix the first call threw with it undelivered.
    auto source = decompressing(std::make_unique<StringSource>(cut, 1000), CompressionMode::kAuto, 1 << 20);
    std::string delivered;
    try {
      while (true) {
        const auto piece = source->next();
        if (piece.empty()) break;
        delivered.append(reinterpret_cast<const char*>(piece.data()), piece.size());
      }
      FAIL() << "expected DataError";
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos);
      EXPECT_EQ(e.offset(), cut.size());
    }
    // Half the compressed bytes hold a good part of the text, all of it as written.
    EXPECT_GT(delivered.size(), text.size() / 4);
    EXPECT_EQ(text.compare(0, delivered.size(), delivered), 0);
  }
}

TEST(Decompress, GarbageAfterAGzipMemberIsAnError) {
  EXPECT_THROW((void)decompress(gzip_members({"abc"}) + "trailing"), DataError);
}

TEST(Decompress, CorruptZstdIsAnError) {
  std::string zs = zstd_frame(random_bytes(20000, 8));
  zs[zs.size() / 2] = static_cast<char>(zs[zs.size() / 2] ^ 0x33);
  EXPECT_THROW((void)decompress(zs), DataError);
}

// A skippable frame (magic 0x184D2A5?, then a 4-byte size and that many bytes), as pzstd writes one
// before every frame.
std::string skippable_frame(unsigned nibble, const std::string& content) {
  std::string out;
  out.push_back(static_cast<char>(0x50 | nibble));
  out += "\x2a\x4d\x18";
  const auto size = static_cast<std::uint32_t>(content.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((size >> (8 * i)) & 0xFF));
  return out + content;
}

// Regression: a zstd stream that began with a skippable frame (all of pzstd's output) was read as
// plain bytes.
TEST(Decompress, AZstdStreamThatBeginsWithASkippableFrameIsZstd) {
  const std::string a = random_bytes(30000, 4);
  const std::string b(20000, 'z');
  const std::string stream =
      skippable_frame(0, "\x10\x00\x00\x00") + zstd_frame(a) + skippable_frame(0xF, "") + zstd_frame(b);
  for (const std::size_t piece : {1UL, 3UL, 1000UL}) EXPECT_EQ(decompress(stream, piece), a + b) << piece;
  EXPECT_EQ(decompress(stream, 1000, CompressionMode::kZstd), a + b);
}

std::string tfrecord_header(std::uint64_t length) {
  std::string header(12, '\0');
  std::memcpy(header.data(), &length, 8);
  const std::uint32_t crc = format::mask_crc(format::crc32c(header.data(), 8));
  std::memcpy(header.data() + 8, &crc, 4);
  return header;
}

bool is_tfrecord_header(std::span<const std::byte> prefix) { return format::is_tfrecord_header(prefix); }

// Regression: a plain TFRecord file whose first length has low bytes 1f 8b (35615, 101151, ...)
// starts with the gzip magic and was refused as corrupt gzip.
TEST(Decompress, ATFRecordHeaderThatLooksLikeGzipIsReadPlain) {
  const PlainSignature tfrecord{format::kTFRecordHeaderBytes, &is_tfrecord_header};
  for (const std::uint64_t length : {35615ULL, 101151ULL, 559903ULL}) {
    const std::string file = tfrecord_header(length) + std::string(length + 4, 'r');
    ASSERT_EQ(static_cast<unsigned char>(file[0]), 0x1f);
    ASSERT_EQ(static_cast<unsigned char>(file[1]), 0x8b);
    for (const std::size_t piece : {1UL, 5UL, 4096UL}) {
      auto source = decompressing(std::make_unique<StringSource>(file, piece), CompressionMode::kAuto, 4096,
                                  nullptr, tfrecord);
      EXPECT_EQ(chanload::testing::drain(*source), file) << length << " in pieces of " << piece;
    }
  }
  // gzip (a TFRecord file compressed) is still gzip: its first 12 bytes are no TFRecord header.
  const std::string compressed = gzip_members({tfrecord_header(5) + "hello" + "crc!"});
  auto source = decompressing(std::make_unique<StringSource>(compressed, 7), CompressionMode::kAuto, 4096,
                              nullptr, tfrecord);
  EXPECT_EQ(chanload::testing::drain(*source), tfrecord_header(5) + "hellocrc!");
}

std::string error_of(const std::string& data, std::size_t piece) {
  try {
    (void)decompress(data, piece);
  } catch (const DataError& error) {
    return error.what();
  }
  return "";
}

// Regression: corruption at compressed byte 40,000 was reported "near compressed byte 0" when the
// whole stream came in one piece.
TEST(Decompress, CorruptZstdNamesAnOffsetNearTheCorruption) {
  std::string text;
  for (int i = 0; text.size() < 1000000; ++i)
    text += std::to_string(i * 7919 % 100003) + ",0.25," + std::to_string(i) + "\n";
  std::string zs = zstd_frame(text);
  const std::size_t at = 40000;
  zs[at] = static_cast<char>(zs[at] ^ 0x5a);
  for (const std::size_t piece : {zs.size(), std::size_t{4096}}) {
    const std::string message = error_of(zs, piece);
    const auto pos = message.find("compressed bytes ");
    ASSERT_NE(pos, std::string::npos) << message;
    const auto dots = message.find("..", pos);
    const auto begin = std::stoull(message.substr(pos + 17));
    const auto end = std::stoull(message.substr(dots + 2));
    EXPECT_LE(begin, at) << message;
    EXPECT_GT(end, at) << message;
    EXPECT_LE(end - begin, 700 * 1024) << message;  // a 512 KiB slice and one block
  }
}

TEST(Decompress, ForcedModesCheckTheMagic) {
  EXPECT_THROW((void)decompress("plain text", 100, CompressionMode::kGzip), DataError);
  EXPECT_THROW((void)decompress("plain text", 100, CompressionMode::kZstd), DataError);
  const std::string gz = gzip_members({"abc"});
  EXPECT_EQ(decompress(gz, 100, CompressionMode::kNone), gz);
  EXPECT_EQ(decompress(gz, 100, CompressionMode::kGzip), "abc");
}

}  // namespace
}  // namespace chanload::io
