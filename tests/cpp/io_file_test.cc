#include <chanload/errors.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "io/file_source.h"
#include "io/listing.h"
#include "io_test_util.h"
#include "test_tree.h"

namespace chanload::io {
namespace {

using chanload::testing::drain;
using chanload::testing::random_bytes;
using chanload::testing::TestTree;

class FileSourceTest : public ::testing::TestWithParam<IoBackend> {
 protected:
  void SetUp() override {
    // Docker's default seccomp profile (since 25) and io_uring_disabled refuse io_uring_setup.
    if (GetParam() == IoBackend::kIoUring && !io_uring_allowed()) GTEST_SKIP() << "io_uring is refused here";
  }
  FileReadOptions options(std::size_t chunk) const {
    FileReadOptions o;
    o.chunk_bytes = chunk;
    o.backend = GetParam();
    return o;
  }
};

TEST_P(FileSourceTest, ReadsExactBytesOfEverySize) {
  TestTree tree;
  for (std::size_t size : {0UL, 1UL, 4095UL, 4096UL, 4097UL, 5UL * 4096 + 17, 40UL * 4096 + 1}) {
    const std::string content = random_bytes(size, static_cast<unsigned>(size));
    tree.write("f.bin", content);
    auto source = open_file_source((tree.root() / "f.bin").string(), options(4096));
    EXPECT_EQ(drain(*source), content) << size;
    EXPECT_TRUE(source->next().empty());  // stays ended
  }
}

TEST_P(FileSourceTest, ReadsFromABeginOffset) {
  TestTree tree;
  const std::string content = random_bytes(9 * 4096 + 123, 9);
  tree.write("f.bin", content);
  for (std::uint64_t begin :
       {0UL, 1UL, 4095UL, 4096UL, 8UL * 4096 + 7, 9UL * 4096 + 122, 9UL * 4096 + 123, 20UL * 4096}) {
    FileReadOptions o = options(4096);
    o.begin = begin;
    auto source = open_file_source((tree.root() / "f.bin").string(), o);
    EXPECT_EQ(drain(*source), content.substr(std::min<std::size_t>(begin, content.size()))) << begin;
  }
}

TEST_P(FileSourceTest, ReadsASparseFileBeyondFourGiB) {
  TestTree tree;
  const auto path = (tree.root() / "sparse").string();
  constexpr std::uint64_t kSize = (std::uint64_t{1} << 32) + 3;
  {
    std::ofstream out(path, std::ios::binary);
    out.seekp(static_cast<std::streamoff>(std::uint64_t{1} << 32));
    out.write("END", 3);
  }
  ASSERT_EQ(std::filesystem::file_size(path), kSize);
  auto source = open_file_source(path, options(std::size_t{8} << 20));
  std::uint64_t total = 0;
  std::uint64_t nonzero = 0;
  std::string tail;
  const std::vector<std::byte> zeros(std::size_t{8} << 20);
  while (true) {
    const auto piece = source->next();
    if (piece.empty()) break;
    if (std::memcmp(piece.data(), zeros.data(), piece.size()) != 0) {  // fast path: all zeros
      for (std::byte b : piece) nonzero += b != std::byte{0};
    }
    total += piece.size();
    if (total == kSize) tail.assign(reinterpret_cast<const char*>(piece.data() + piece.size() - 3), 3);
  }
  EXPECT_EQ(total, kSize);
  EXPECT_EQ(nonzero, 3U);
  EXPECT_EQ(tail, "END");
}

TEST_P(FileSourceTest, AMissingFileIsAnErrorNamingIt) {
  try {
    (void)open_file_source("/nonexistent/chanload/part-1", options(4096));
    FAIL();
  } catch (const IoError& e) {
    EXPECT_EQ(e.origin(), "/nonexistent/chanload/part-1");
    EXPECT_NE(std::string(e.what()).find("cannot open: No such file or directory"), std::string::npos);
  }
}

TEST_P(FileSourceTest, AFileThatShrinksWhileReadIsAnError) {
  TestTree tree;
  const auto path = (tree.root() / "f.bin").string();
  tree.write("f.bin", random_bytes(64 * 4096, 1));
  auto source = open_file_source(path, options(4096));
  (void)source->next();
  std::filesystem::resize_file(path, 10 * 4096 + 5);
  EXPECT_THROW((void)drain(*source), IoError);
}

INSTANTIATE_TEST_SUITE_P(Backends, FileSourceTest, ::testing::Values(IoBackend::kIoUring, IoBackend::kPread),
                         [](const auto& param_info) {
                           return std::string(param_info.param == IoBackend::kIoUring ? "IoUring" : "Pread");
                         });

TEST(IoBackend, AskingForIoUringWhereItIsRefusedIsAnErrorNamingIt) {
  if (io_uring_allowed()) {
    EXPECT_EQ(resolve_backend(IoBackend::kIoUring), IoBackend::kIoUring);
    EXPECT_EQ(resolve_backend(IoBackend::kAuto), IoBackend::kIoUring);
  } else {
    EXPECT_EQ(resolve_backend(IoBackend::kAuto), IoBackend::kPread);  // auto falls back
    try {
      (void)resolve_backend(IoBackend::kIoUring);
      FAIL() << "no error";
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find("io_uring was asked for"), std::string::npos);
    }
  }
}

TEST(IoBackend, EnvironmentVariableForcesPread) {
  ::setenv("CHANLOAD_IO_BACKEND", "pread", 1);
  EXPECT_EQ(resolve_backend(IoBackend::kAuto), IoBackend::kPread);
  ::unsetenv("CHANLOAD_IO_BACKEND");
  EXPECT_EQ(resolve_backend(IoBackend::kPread), IoBackend::kPread);
}

TEST(Listing, NaturalOrderRecursiveWithoutHiddenFiles) {
  TestTree tree;
  for (const char* name :
       {"part-10", "part-2", "part-1", ".hidden", "sub/part-3", ".cache/x", "a/b/c", "part-02"}) {
    tree.write(std::string("data/") + name, "x");
  }
  const auto files = list_channel_files((tree.root() / "data").string());
  std::vector<std::string> relative;
  for (const auto& f : files) relative.push_back(f.substr((tree.root() / "data").string().size() + 1));
  EXPECT_EQ(relative,
            (std::vector<std::string>{"a/b/c", "part-1", "part-2", "part-02", "part-10", "sub/part-3"}));
}

// Regression: an object that is a symlink (a mount's objects linked into the channel) was listed
// under its target's path ("../elsewhere/zz"), ordered by it and named so in errors.
TEST(Listing, ASymlinkedObjectIsListedAndOrderedByItsOwnName) {
  TestTree tree;
  tree.write("elsewhere/zz", "linked");
  tree.write("data/part-1", "x");
  tree.write("data/part-3", "x");
  std::filesystem::create_symlink(tree.root() / "elsewhere/zz", tree.root() / "data/part-2");
  const std::string folder = (tree.root() / "data").string();
  ListingOptions outside;
  outside.follow_links_outside_channel = true;
  for (const std::string& given : {folder, folder + "/"}) {
    EXPECT_EQ(list_channel_files(given, outside),
              (std::vector<std::string>{folder + "/part-1", folder + "/part-2", folder + "/part-3"}))
        << given;
  }
}

std::vector<std::string> relative_listing(const TestTree& tree, const ListingOptions& options = {}) {
  const std::string folder = (tree.root() / "data").string();
  std::vector<std::string> relative;
  for (const auto& f : list_channel_files(folder, options)) relative.push_back(f.substr(folder.size() + 1));
  return relative;
}

std::string listing_error(const std::string& folder, const ListingOptions& options = {}) {
  try {
    (void)list_channel_files(folder, options);
  } catch (const IoError& error) {
    return error.what();
  }
  return "";
}

// The listing's error message in a child process run as user nobody (root reads any folder), or
// "listed N" when it listed N objects.
std::string listing_error_as_nobody(const std::string& folder) {
  return chanload::testing::answer_from_child(
      [&]() -> std::string {
        try {
          return "listed " + std::to_string(list_channel_files(folder).size());
        } catch (const IoError& error) {
          return error.what();
        }
      },
      true);
}

// Regression: a subfolder the process could not read ended the listing; the files after it were
// dropped and the run exited 0 (6,000 of 10,000 rows). A data folder that could not be read was
// taken as an empty channel.
TEST(Listing, AFolderThatCannotBeReadIsAnErrorNamingIt) {
  TestTree tree;
  tree.write("data/a/part-1", "x");
  tree.write("data/b/part-2", "x");
  tree.write("data/c/part-3", "x");
  namespace fs = std::filesystem;
  fs::permissions(tree.root(), fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  fs::permissions(tree.root() / "data", fs::perms::owner_all | fs::perms::group_exec |
                                            fs::perms::others_exec | fs::perms::others_read |
                                            fs::perms::group_read);
  for (const char* sub : {"a", "c"}) fs::permissions(tree.root() / "data" / sub, fs::perms::all);
  fs::permissions(tree.root() / "data/b", fs::perms::none);
  const std::string data = (tree.root() / "data").string();
  const std::string message = listing_error_as_nobody(data);
  fs::permissions(tree.root() / "data/b", fs::perms::owner_all);
  EXPECT_NE(message.find(data + "/b"), std::string::npos) << message;
  EXPECT_NE(message.find("cannot list"), std::string::npos) << message;

  fs::permissions(tree.root() / "data", fs::perms::none);
  const std::string top = listing_error_as_nobody(data);
  fs::permissions(tree.root() / "data", fs::perms::owner_all);
  EXPECT_NE(top.find(data), std::string::npos) << top;
  EXPECT_EQ(top.find("listed"), std::string::npos) << top;
}

// Regression: `ln -s . self` listed every file 41 times (until ELOOP).
TEST(Listing, ALinkToTheFolderItselfListsEachObjectOnce) {
  TestTree tree;
  tree.write("data/part-1", "x");
  tree.write("data/sub/part-2", "x");
  std::filesystem::create_directory_symlink(".", tree.root() / "data/self");
  std::filesystem::create_directory_symlink("..", tree.root() / "data/sub/up");
  EXPECT_EQ(relative_listing(tree), (std::vector<std::string>{"part-1", "sub/part-2"}));
}

// Regression: two folders linking to each other hung, memory growing.
TEST(Listing, TwoFoldersLinkingEachOtherEndWithEachObjectOnce) {
  TestTree tree;
  tree.write("data/one/part-1", "x");
  tree.write("data/two/part-2", "x");
  std::filesystem::create_directory_symlink("../two", tree.root() / "data/one/to-two");
  std::filesystem::create_directory_symlink("../one", tree.root() / "data/two/to-one");
  EXPECT_EQ(relative_listing(tree), (std::vector<std::string>{"one/part-1", "two/part-2"}));
}

// Regression: `ln -s v3 latest` delivered every record of v3 twice (and three versions' worth when
// more links named it).
TEST(Listing, AnObjectReachedByALinkIsListedOnceUnderItsOwnName) {
  TestTree tree;
  tree.write("data/v3/part-1", "x");
  tree.write("data/v3/part-2", "x");
  tree.write("data/part-9", "x");
  std::filesystem::create_directory_symlink("v3", tree.root() / "data/latest");
  std::filesystem::create_directory_symlink("v3", tree.root() / "data/current");
  std::filesystem::create_symlink("part-9", tree.root() / "data/alias-9");
  EXPECT_EQ(relative_listing(tree), (std::vector<std::string>{"part-9", "v3/part-1", "v3/part-2"}));
  // A link to a folder that nothing else names is listed through the link.
  tree.write("elsewhere/part-5", "x");
  std::filesystem::create_directory_symlink("../elsewhere", tree.root() / "data/mounted");
  ListingOptions outside;
  outside.follow_links_outside_channel = true;
  EXPECT_EQ(relative_listing(tree, outside),
            (std::vector<std::string>{"mounted/part-5", "part-9", "v3/part-1", "v3/part-2"}));
}

// Regression: the symlink dedupe by (device, inode) also dropped hard links: two names for one file,
// neither of them a link (an object copied in as a hard link to oversample it, as two S3 keys with
// the same bytes would be), delivered it once. Only names reached through a symbolic link are
// dropped for naming an object listed already.
TEST(Listing, HardLinksAreObjectsOfTheirOwnOnlySymbolicLinksAreDeduplicated) {
  TestTree tree;
  tree.write("data/part-1", "x");
  std::filesystem::create_hard_link(tree.root() / "data/part-1", tree.root() / "data/part-1-again");
  tree.write("data/sub/part-2", "x");
  std::filesystem::create_hard_link(tree.root() / "data/sub/part-2", tree.root() / "data/part-2-copy");
  std::filesystem::create_symlink("part-1", tree.root() / "data/link-1");
  EXPECT_EQ(relative_listing(tree),
            (std::vector<std::string>{"part-1", "part-1-again", "part-2-copy", "sub/part-2"}));
}

// Regression: `ln -s /etc etcdir` read 476 MB outside the job root.
TEST(Listing, ALinkOutsideTheChannelIsAnErrorUnlessAllowed) {
  TestTree tree;
  tree.write("data/part-1", "x");
  tree.write("secret/key", "x");
  std::filesystem::create_directory_symlink(tree.root() / "secret", tree.root() / "data/etcdir");
  const std::string message = listing_error((tree.root() / "data").string());
  EXPECT_NE(message.find("data/etcdir: a symbolic link to " + (tree.root() / "secret").string()),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("follow_links_outside_channel"), std::string::npos) << message;
  ListingOptions outside;
  outside.follow_links_outside_channel = true;
  EXPECT_EQ(relative_listing(tree, outside), (std::vector<std::string>{"etcdir/key", "part-1"}));
}

TEST(Listing, TheChannelFolderMayItselfBeALink) {
  TestTree tree;
  tree.write("store/train/part-1", "x");
  std::filesystem::create_directory_symlink(tree.root() / "store/train", tree.root() / "data");
  EXPECT_EQ(relative_listing(tree), (std::vector<std::string>{"part-1"}));
}

TEST(Listing, ADanglingLinkOrAFifoIsAnErrorNamingIt) {
  TestTree tree;
  tree.write("data/part-1", "x");
  std::filesystem::create_symlink("missing", tree.root() / "data/part-2");
  EXPECT_NE(listing_error((tree.root() / "data").string()).find("data/part-2: a symbolic link whose target"),
            std::string::npos);
  std::filesystem::remove(tree.root() / "data/part-2");
  ASSERT_EQ(::mkfifo((tree.root() / "data/part-3").c_str(), 0600), 0);
  EXPECT_NE(listing_error((tree.root() / "data").string()).find("data/part-3: not a regular file"),
            std::string::npos);
}

TEST(Listing, AMissingFolderIsAnEmptyChannel) {
  EXPECT_TRUE(list_channel_files("/nonexistent/chanload/channel").empty());
}

TEST(Listing, NaturalLessIsAStrictOrder) {
  EXPECT_TRUE(natural_less("part-2", "part-10"));
  EXPECT_FALSE(natural_less("part-10", "part-2"));
  EXPECT_TRUE(natural_less("a1b2", "a1b10"));
  EXPECT_TRUE(natural_less("x", "x1"));
  EXPECT_FALSE(natural_less("x1", "x1"));
  EXPECT_TRUE(natural_less("2", "02"));
  EXPECT_FALSE(natural_less("02", "2"));
  EXPECT_TRUE(natural_less("file99999999999999999999", "file100000000000000000000"));
}

}  // namespace
}  // namespace chanload::io
