// Pipe mode against real FIFOs: writers that come late, never come, or die mid-stream.
#include <chanload/errors.h>
#include <gtest/gtest.h>

#include <chrono>

#include "io/fifo_source.h"
#include "io/stop_signal.h"
#include "io_test_util.h"
#include "test_tree.h"

namespace chanload::io {
namespace {

using namespace std::chrono_literals;
using chanload::testing::drain;
using chanload::testing::fifo_writer;
using chanload::testing::random_bytes;
using chanload::testing::TestTree;
using Clock = std::chrono::steady_clock;

FifoReadOptions with_timeout(std::chrono::milliseconds timeout) {
  FifoReadOptions options;
  options.timeout = timeout;
  return options;
}

TEST(FifoSource, ReadsEverythingTheWriterWrites) {
  TestTree tree;
  const auto path = (tree.root() / "train_0").string();
  const std::string content = random_bytes(3 << 20, 11);
  auto writer = fifo_writer(path, content);
  auto source = open_fifo_source(path, with_timeout(10s));
  EXPECT_EQ(drain(*source), content);
  writer.join();
}

TEST(FifoSource, WaitsForAFifoThatAppearsLate) {
  TestTree tree;
  const auto path = (tree.root() / "train_0").string();
  auto writer = fifo_writer(path, "late fifo", 300ms);
  auto source = open_fifo_source(path, with_timeout(10s));
  EXPECT_EQ(drain(*source), "late fifo");
  writer.join();
}

TEST(FifoSource, WaitsForAWriterThatOpensLate) {
  TestTree tree;
  const auto path = (tree.root() / "train_0").string();
  auto writer = fifo_writer(path, "late writer", 0ms, 400ms);
  auto source = open_fifo_source(path, with_timeout(10s));
  EXPECT_EQ(drain(*source), "late writer");
  writer.join();
}

TEST(FifoSource, AWriterThatOpensAndClosesGivesAnEmptyEpoch) {
  TestTree tree;
  const auto path = (tree.root() / "train_0").string();
  auto writer = fifo_writer(path, "");
  auto source = open_fifo_source(path, with_timeout(10s));
  EXPECT_EQ(drain(*source), "");
  writer.join();
}

TEST(FifoSource, NoFifoTimesOutNamingIt) {
  TestTree tree;
  const auto path = (tree.root() / "train_0").string();
  const auto start = Clock::now();
  try {
    (void)open_fifo_source(path, with_timeout(300ms));
    FAIL() << "expected TimeoutError";
  } catch (const TimeoutError& e) {
    EXPECT_EQ(e.origin(), path);
    EXPECT_NE(std::string(e.what()).find("did not appear within 300 ms"), std::string::npos);
  }
  EXPECT_GE(Clock::now() - start, 300ms);
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST(FifoSource, NoWriterTimesOutNamingTheFifoAndTheWait) {
  TestTree tree;
  const auto path = (tree.root() / "train_0").string();
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  const auto start = Clock::now();
  try {
    (void)open_fifo_source(path, with_timeout(400ms));
    FAIL() << "expected TimeoutError";
  } catch (const TimeoutError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": nothing arrived within 400 ms (the FIFO exists, but no "
                                                "writer opened it, or its writer wrote nothing)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST(FifoSource, AWriterThatDiesMidStreamEndsTheStreamWithWhatItWrote) {
  TestTree tree;
  const auto path = (tree.root() / "train_0").string();
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  const std::string content = random_bytes(200000, 12);
  const pid_t child = ::fork();
  if (child == 0) {  // only async-signal-safe calls here
    const int fd = ::open(path.c_str(), O_WRONLY);
    std::size_t done = 0;
    while (done < content.size()) {
      const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::kill(::getpid(), SIGKILL);
  }
  auto source = open_fifo_source(path, with_timeout(10s));
  EXPECT_EQ(drain(*source), content);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
}

// A writer that sends a few bytes, then holds the FIFO open for `hold` before closing it.
std::thread stalled_writer(const std::string& path, std::chrono::milliseconds hold) {
  return std::thread([path, hold] {
    const int fd = ::open(path.c_str(), O_WRONLY);
    if (fd < 0) return;
    (void)!::write(fd, "1,2\n", 4);
    std::this_thread::sleep_for(hold);
    ::close(fd);
  });
}

// Regression: once a writer had sent data, no wait had a timeout: a writer that sent one row and
// slept 8 s made --pipe-timeout 3 wait the 8 s.
TEST(FifoSource, AWriterThatStallsTimesOutNamingTheFifoAndTheByte) {
  TestTree tree;
  const auto path = (tree.root() / "train_0").string();
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  std::thread writer = stalled_writer(path, 4s);
  auto source = open_fifo_source(path, with_timeout(400ms));
  const auto start = Clock::now();
  try {
    (void)drain(*source);
    FAIL() << "expected TimeoutError";
  } catch (const TimeoutError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": the writer sent nothing for 400 ms (after byte 4)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_LT(Clock::now() - start, 3s);
  source.reset();
  writer.join();
}

TEST(FifoSource, StopEndsAWaitForAStalledWriterPromptly) {
  TestTree tree;
  const auto path = (tree.root() / "train_0").string();
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  std::thread writer = stalled_writer(path, 3s);
  auto options = with_timeout(60s);
  options.stop = std::make_shared<StopSignal>();
  auto source = open_fifo_source(path, options);
  std::thread stopper([stop = options.stop] {
    std::this_thread::sleep_for(200ms);
    stop->request_stop();
  });
  const auto start = Clock::now();
  EXPECT_THROW((void)drain(*source), StoppedError);
  EXPECT_LT(Clock::now() - start, 2s);
  stopper.join();
  source.reset();
  writer.join();
}

TEST(FifoSource, StopEndsAWaitForAWriterPromptly) {
  TestTree tree;
  const auto path = (tree.root() / "train_0").string();
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  auto options = with_timeout(60s);
  options.stop = std::make_shared<StopSignal>();
  std::thread stopper([stop = options.stop] {
    std::this_thread::sleep_for(200ms);
    stop->request_stop();
  });
  const auto start = Clock::now();
  EXPECT_THROW((void)open_fifo_source(path, options), StoppedError);
  EXPECT_LT(Clock::now() - start, 5s);
  stopper.join();
}

TEST(FifoSource, AnExistingNonFifoIsAClearError) {
  TestTree tree;
  tree.write("train_0", "regular file");
  try {
    (void)open_fifo_source((tree.root() / "train_0").string(), with_timeout(1s));
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("is not a FIFO"), std::string::npos);
  }
}

}  // namespace
}  // namespace chanload::io
