// The reader stage: order (stored, interleaved, shuffled objects) as a function of the data, seed
// and epoch only; errors where their object's next record would be; bounded memory; stop; Pipe
// mode's one FIFO per epoch; one listing for every epoch.
#include "pipeline/reader_stage.h"

#include <chanload/errors.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "io/gzip_writer.h"
#include "io_test_util.h"
#include "test_tree.h"

namespace chanload::pipeline {
namespace {

using chanload::testing::TestTree;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

// Objects part-0 .. part-(count-1); object i holds lines "i.0" .. "i.(lines(i)-1)".
void write_objects(const TestTree& tree, std::size_t count,
                   const std::function<std::size_t(std::size_t)>& lines) {
  tree.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "File"}})");
  for (std::size_t i = 0; i < count; ++i) {
    std::string text;
    for (std::size_t j = 0; j < lines(i); ++j) text += std::to_string(i) + "." + std::to_string(j) + "\n";
    tree.write("input/data/train/part-" + std::to_string(i), text);
  }
}

std::vector<std::string> read_epoch(ReaderStage& stage, std::uint64_t epoch) {
  std::vector<std::string> out;
  stage.start_epoch(epoch);
  while (auto record = stage.next())
    out.emplace_back(reinterpret_cast<const char*>(record->payload.data()), record->payload.size());
  return out;
}

std::vector<std::string> read_with(const TestTree& tree, ReaderStageOptions options,
                                   std::uint64_t epoch = 0) {
  ReaderStage stage(tree.environment().channel("train"), std::move(options));
  if (epoch > 0) (void)read_epoch(stage, epoch - 1);
  return read_epoch(stage, epoch);
}

TEST(ReaderStage, WithoutShufflingRecordsComeInStoredOrderWhateverTheThreads) {
  TestTree tree;
  write_objects(tree, 12, [](std::size_t i) { return 1 + (i * 37) % 50; });
  std::vector<std::string> stored;
  for (std::size_t i = 0; i < 12; ++i)
    for (std::size_t j = 0; j < 1 + (i * 37) % 50; ++j)
      stored.push_back(std::to_string(i) + "." + std::to_string(j));
  for (const std::size_t threads : {std::size_t{1}, std::size_t{3}, std::size_t{8}}) {
    ReaderStageOptions options;
    options.objects_in_flight = threads;
    options.buffer_bytes = 1;  // the smallest blocks: threads wait on each other all the time
    EXPECT_EQ(read_with(tree, options), stored) << threads << " threads";
  }
}

TEST(ReaderStage, InterleaveTakesOneRecordOfEachObjectInTurnAndTheNextObjectTakesASpentOnesTurn) {
  TestTree tree;
  const std::vector<std::size_t> sizes = {3, 5, 1};
  write_objects(tree, 3, [&](std::size_t i) { return sizes[i]; });
  ReaderStageOptions options;
  options.interleave = 2;
  options.objects_in_flight = 2;
  EXPECT_EQ(read_with(tree, options),
            (std::vector<std::string>{"0.0", "1.0", "0.1", "1.1", "0.2", "1.2", "2.0", "1.3", "1.4"}));
}

TEST(ReaderStage, ShuffledObjectOrderIsFixedBySeedAndEpochAloneAndEveryRecordComesOnce) {
  TestTree tree;
  write_objects(tree, 20, [](std::size_t i) { return 1 + i % 7; });
  ReaderStageOptions options;
  options.shuffle_objects = true;
  options.interleave = 4;
  options.seed = 42;
  options.objects_in_flight = 1;
  const auto epoch0 = read_with(tree, options, 0);
  const auto epoch1 = read_with(tree, options, 1);
  std::multiset<std::string> all(epoch0.begin(), epoch0.end());
  EXPECT_EQ(all.size(), 77U);
  EXPECT_EQ(std::set<std::string>(epoch0.begin(), epoch0.end()).size(), 77U);  // none twice
  EXPECT_NE(epoch0, epoch1);
  options.objects_in_flight = 5;
  EXPECT_EQ(read_with(tree, options, 0), epoch0);  // threads change speed, not order
  EXPECT_EQ(read_with(tree, options, 1), epoch1);
  options.reshuffle_each_epoch = false;
  EXPECT_EQ(read_with(tree, options, 1), epoch0);
  options.seed = 43;
  EXPECT_NE(read_with(tree, options, 0), epoch0);

  ReaderStage stage(tree.environment().channel("train"), options);
  std::vector<std::size_t> order = stage.epoch_order(3);
  std::sort(order.begin(), order.end());
  for (std::size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i);
}

TEST(ReaderStage, AnObjectsErrorComesWhereItsNextRecordWouldHaveBeen) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "File"}})");
  tree.write("input/data/train/part-0", "a\nb\nc\n");
  std::string gzip;
  {
    io::GzipWriter writer([&](std::span<const std::byte> bytes) {
      gzip.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    });
    std::string text;
    for (int i = 0; i < 20000; ++i) text += "line " + std::to_string(i) + "\n";
    writer.write(chanload::testing::as_bytes(text));
    writer.finish_member();
  }
  tree.write("input/data/train/part-1", gzip.substr(0, gzip.size() / 2));  // cut in the middle
  tree.write("input/data/train/part-2", "z\n");
  ReaderStageOptions options;
  options.objects_in_flight = 3;
  ReaderStage stage(tree.environment().channel("train"), options);
  stage.start_epoch(0);
  std::vector<std::string> got;
  try {
    while (auto record = stage.next())
      got.emplace_back(reinterpret_cast<const char*>(record->payload.data()), record->payload.size());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("part-1"));
  }
  ASSERT_GE(got.size(), 3U);
  EXPECT_EQ(got[0], "a");
  EXPECT_EQ(got[2], "c");
  EXPECT_TRUE(std::find(got.begin(), got.end(), "z") == got.end());  // part-2 comes after the error
}

TEST(ReaderStage, ReadAheadStaysInsideItsBuffer) {
  TestTree tree;
  write_objects(tree, 8, [](std::size_t) { return 200000; });  // about 2 MB each
  ReaderStageOptions options;
  options.objects_in_flight = 2;
  options.buffer_bytes = std::size_t{1} << 20;
  ReaderStage stage(tree.environment().channel("train"), options);
  stage.start_epoch(0);
  std::size_t records = 0;
  std::size_t most = 0;
  while (auto record = stage.next()) {
    if (++records % 4096 == 0) {
      std::this_thread::sleep_for(1ms);  // a slow consumer: the threads run ahead until full
      most = std::max(most, stage.bytes_held());
    }
  }
  EXPECT_EQ(records, 1600000U);
  EXPECT_GT(most, 0U);
  // Three objects (one taking its turn, two ahead) of a third of the buffer each and a block over,
  // and their open sources; reading everything ahead would hold 16 MB.
  EXPECT_LE(most, std::size_t{3} << 20);
}

// A consumer that keeps a record's lease keeps its bytes (the batcher lends records to decode units
// without copying them); the block counts in bytes_held() until its last lease goes, and then
// comes back for reuse, so the stage does not grow while nobody holds anything.
TEST(ReaderStage, ALeasedRecordOutlivesNextAndItsBlockCountsUntilTheLeaseGoes) {
  TestTree tree;
  write_objects(tree, 2, [](std::size_t) { return 100000; });  // about 1 MB each
  ReaderStageOptions options;
  options.objects_in_flight = 1;
  options.buffer_bytes = std::size_t{1} << 20;
  ReaderStage stage(tree.environment().channel("train"), options);
  stage.start_epoch(0);
  auto first = stage.next();
  ASSERT_TRUE(first && first->lease != nullptr && *first->lease);
  BlockLease kept = *first->lease;
  const std::span<const std::byte> kept_payload = first->payload;
  std::size_t records = 1;
  std::size_t most_while_kept = 0;
  // Past the first block (tens of kilobytes here): its lease is the consumer's no longer.
  while (records < 50000) {
    auto record = stage.next();
    ASSERT_TRUE(record);
    ++records;
    most_while_kept = std::max(most_while_kept, stage.bytes_held());
  }
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(kept_payload.data()), kept_payload.size()), "0.0");
  while (stage.next()) ++records;
  EXPECT_EQ(records, 200000U);
  // Blocks were reused many times over since: without the lease these bytes would be another record's.
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(kept_payload.data()), kept_payload.size()), "0.0");
  EXPECT_EQ(kept.use_count(), 1);  // the stage let it go; only this lease keeps it
  const std::size_t with_lease = stage.bytes_held();
  kept.reset();
  // Back in the store for reuse (counted the same while inside the buffer), or freed.
  EXPECT_LE(stage.bytes_held(), with_lease);
  EXPECT_GT(most_while_kept, 0U);
  EXPECT_LE(most_while_kept, std::size_t{3} << 20);
  // A second epoch reads the same records with the blocks the first gave back.
  EXPECT_EQ(read_epoch(stage, 1).size(), 200000U);
}

// Regression: with each thread waiting on its own full object, two threads and an interleave of 8
// waited for ever (the consumer needed an object no thread was free to read). Tasks are parked now.
TEST(ReaderStage, TwoThreadsServeEightInterleavedObjectsLargerThanTheirShare) {
  TestTree tree;
  write_objects(tree, 12, [](std::size_t i) { return 30000 + i; });
  ReaderStageOptions options;
  options.objects_in_flight = 2;
  options.interleave = 8;
  options.buffer_bytes = 1;  // every object is many times its share
  ReaderStage stage(tree.environment().channel("train"), options);
  const auto records = read_epoch(stage, 0);
  EXPECT_EQ(records.size(), 12U * 30000U + 66U);
  EXPECT_EQ(records[0], "0.0");
  EXPECT_EQ(records[1], "1.0");
  EXPECT_EQ(records[8], "0.1");
}

TEST(ReaderStage, KeepDropsRecordsOnTheReaderThreadsAndCountsThem) {
  TestTree tree;
  write_objects(tree, 4, [](std::size_t) { return 10; });
  ReaderStageOptions options;
  options.objects_in_flight = 4;
  options.keep = [](std::span<const std::byte> payload, const format::RecordPlace&) {
    return payload.back() != std::byte{'0'};
  };
  ReaderStage stage(tree.environment().channel("train"), options);
  EXPECT_EQ(read_epoch(stage, 0).size(), 36U);
  EXPECT_EQ(stage.stats().dropped, 4U);
  EXPECT_EQ(stage.stats().records, 36U);
  EXPECT_EQ(stage.stats().objects, 4U);
}

TEST(ReaderStage, TheChannelIsListedOnceForEveryEpoch) {
  TestTree tree;
  write_objects(tree, 2, [](std::size_t) { return 2; });
  ReaderStage stage(tree.environment().channel("train"), {});
  EXPECT_EQ(read_epoch(stage, 0).size(), 4U);
  tree.write("input/data/train/part-9", "late\n");  // SageMaker never adds objects mid-job
  EXPECT_EQ(read_epoch(stage, 1).size(), 4U);
  EXPECT_EQ(stage.objects().size(), 2U);
}

TEST(ReaderStage, PipeModeReadsEachEpochsFifo) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "Pipe"}})");
  std::filesystem::create_directories(tree.root() / "input/data");
  const std::string prefix = (tree.root() / "input/data/train").string();
  ReaderStage stage(tree.environment().channel("train"), {});
  for (std::uint64_t epoch = 0; epoch < 3; ++epoch) {
    std::thread writer = chanload::testing::fifo_writer(prefix + "_" + std::to_string(epoch),
                                                        "e" + std::to_string(epoch) + "\nx\n");
    EXPECT_EQ(read_epoch(stage, epoch), (std::vector<std::string>{"e" + std::to_string(epoch), "x"}));
    writer.join();
  }
}

// Pipe mode as the platform gives a channel of .zst objects: their frames end to end in one FIFO,
// decoded frames at once on the stage's spare threads, the records in stream order, and the memory
// inside what bytes_held() says the stage may hold.
TEST(ReaderStage, PipeModeDecodesAFifoOfZstdObjectsFramesAtOnceInOrder) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "Pipe"}})");
  std::filesystem::create_directories(tree.root() / "input/data");
  std::string stream;
  std::vector<std::string> expected;
  for (int object = 0; object < 6; ++object) {
    std::string text;
    for (int line = 0; line < 40000; ++line) {
      expected.push_back(std::to_string(object) + "." + std::to_string(line));
      text += expected.back() + "\n";
    }
    stream += chanload::testing::zstd_frame(text);
  }
  ReaderStageOptions options;
  options.objects_in_flight = 3;
  options.buffer_bytes = std::size_t{4} << 20;
  ReaderStage stage(tree.environment().channel("train"), options);
  std::thread writer = chanload::testing::fifo_writer((tree.root() / "input/data/train_0").string(), stream);
  stage.start_epoch(0);
  std::vector<std::string> got;
  std::size_t most = 0;
  while (auto record = stage.next()) {
    got.emplace_back(reinterpret_cast<const char*>(record->payload.data()), record->payload.size());
    if (got.size() % 8192 == 0) {
      std::this_thread::sleep_for(1ms);  // a slow consumer: the frames ahead fill their budget
      most = std::max(most, stage.bytes_held());
    }
  }
  writer.join();
  EXPECT_EQ(got, expected);
  EXPECT_GT(most, 0U);
  EXPECT_LE(most, std::size_t{16} << 20);
}

TEST(ReaderStage, StopEndsAConsumerWaitingForAFifo) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "Pipe"}})");
  std::filesystem::create_directories(tree.root() / "input/data");
  ReaderStage stage(tree.environment().channel("train"), {});
  stage.start_epoch(0);
  std::thread stopper([&] {
    std::this_thread::sleep_for(100ms);
    stage.stop();
  });
  EXPECT_THROW((void)stage.next(), StoppedError);
  stopper.join();
}

}  // namespace
}  // namespace chanload::pipeline
