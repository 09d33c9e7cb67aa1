// The loader end to end over real files and FIFOs: order, batches, sharding, shuffle, resume,
// errors, back-pressure, memory budget and shutdown.
#include <chanload/errors.h>
#include <chanload/loader.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <numeric>
#include <set>
#include <thread>

#include "io_test_util.h"
#include "memory/cuda_device.h"
#include "pipeline/record_decoder.h"
#include "protobuf_wire.h"
#include "test_tree.h"

namespace chanload {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::TestTree;

// A CSV row whose label is its id and whose features are id*10+1 and id*10+2.
std::string row(int id) {
  return std::to_string(id) + "," + std::to_string(id * 10 + 1) + "," + std::to_string(id * 10 + 2) + "\n";
}

// `total` rows spread over `files` files (natural order: part-1, part-2, ... part-10), with a blank
// line in each file that the loader must not count as a record.
void csv_channel(const TestTree& tree, int total, int files, const std::string& mode = "File") {
  tree.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": ")" + mode +
                                                R"(", "ContentType": "text/csv;label_size=1"}})");
  int id = 0;
  for (int f = 0; f < files; ++f) {
    std::string content;
    const int count = total / files + (f < total % files ? 1 : 0);
    for (int i = 0; i < count; ++i) {
      content += row(id++);
      if (i == count / 2) content += "\n";
    }
    tree.write("input/data/train/part-" + std::to_string(f + 1), content);
  }
}

struct Delivered {
  std::vector<std::vector<int>> batches;  // label ids per batch
  std::vector<int> ids() const {
    std::vector<int> all;
    for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
    return all;
  }
};

Delivered take(Loader& loader, std::size_t max_batches = SIZE_MAX) {
  Delivered out;
  while (out.batches.size() < max_batches) {
    auto batch = loader.next();
    if (!batch) break;
    std::vector<int> ids;
    const auto labels = batch->labels();
    const auto features = batch->features();
    EXPECT_EQ(batch->kind(), BatchKind::kDense);
    EXPECT_EQ(batch->columns(), 2U);
    for (std::size_t r = 0; r < batch->rows() - batch->padding_rows(); ++r) {
      const int id = static_cast<int>(labels[r]);
      EXPECT_EQ(features[2 * r], static_cast<float>(id * 10 + 1));
      EXPECT_EQ(features[2 * r + 1], static_cast<float>(id * 10 + 2));
      ids.push_back(id);
    }
    out.batches.push_back(std::move(ids));
  }
  return out;
}

std::vector<int> range(int n) {
  std::vector<int> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

TEST(Loader, DeliversCsvInDataOrderWithParallelDecode) {
  TestTree tree;
  csv_channel(tree, 5000, 12);
  LoaderOptions options;
  options.batch_size = 64;
  options.threads = 3;
  Loader loader(tree.environment(), "train", options);
  EXPECT_EQ(loader.format(), "csv");
  const Delivered got = take(loader);
  EXPECT_EQ(got.ids(), range(5000));
  ASSERT_EQ(got.batches.size(), 79U);  // 78 full batches and one of 8
  EXPECT_EQ(got.batches.back().size(), 8U);
  const LoaderStats stats = loader.stats();
  EXPECT_EQ(stats.rows, 5000U);
  EXPECT_EQ(stats.batches, 79U);
  EXPECT_EQ(stats.skipped_rows, 12U);  // the blank lines
  EXPECT_EQ(stats.read.records, 5000U);
  EXPECT_EQ(stats.decode.records, 5000U);
  // The batcher (the one serial thread) is reported apart from the reader stage's threads.
  EXPECT_EQ(stats.batch.records, 5000U);
  EXPECT_EQ(stats.batch.bytes, stats.read.bytes);  // one shard: it packs every payload framed
  EXPECT_GT(stats.batch.busy_seconds, 0.0);
  EXPECT_GT(stats.read.busy_seconds, 0.0);
  // CPU time: positive, and never more than the time a stage was busy (a thread's CPU time is at
  // most its wall time; the slack: the clocks' reads, and the few instructions of each wait that
  // busy_seconds leaves out).
  for (const StageStats* stage : {&stats.read, &stats.batch, &stats.decode}) {
    EXPECT_GT(stage->cpu_seconds, 0.0);
    EXPECT_LE(stage->cpu_seconds, stage->busy_seconds * 1.1 + 0.02);
  }
  EXPECT_NE(stats.to_json().find("\"cpu_seconds\""), std::string::npos);
  EXPECT_NE(stats.to_json().find("\"batch\":{\"bytes\""), std::string::npos);
}

TEST(Loader, LastBatchKeepDropPad) {
  TestTree tree;
  csv_channel(tree, 10, 1);
  for (LastBatch policy : {LastBatch::kKeep, LastBatch::kDrop, LastBatch::kPad}) {
    LoaderOptions options;
    options.batch_size = 4;
    options.epochs = 2;
    options.last_batch = policy;
    Loader loader(tree.environment(), "train", options);
    std::vector<std::size_t> rows;
    std::vector<std::size_t> padding;
    std::vector<bool> last;
    while (auto batch = loader.next()) {
      rows.push_back(batch->rows());
      padding.push_back(batch->padding_rows());
      last.push_back(batch->last_in_epoch());
      if (batch->padding_rows() > 0) {
        for (float v : batch->features().subspan((batch->rows() - batch->padding_rows()) * 2))
          EXPECT_EQ(v, 0.0F);
      }
    }
    if (policy == LastBatch::kKeep) {
      EXPECT_THAT(rows, ::testing::ElementsAre(4, 4, 2, 4, 4, 2));
      EXPECT_THAT(last, ::testing::ElementsAre(false, false, true, false, false, true));
    } else if (policy == LastBatch::kDrop) {
      EXPECT_THAT(rows, ::testing::ElementsAre(4, 4, 4, 4));
    } else {
      EXPECT_THAT(rows, ::testing::ElementsAre(4, 4, 4, 4, 4, 4));
      EXPECT_THAT(padding, ::testing::ElementsAre(0, 0, 2, 0, 0, 2));
    }
  }
}

TEST(Loader, ShardsDeliverEveryRecordExactlyOnceAndBalanced) {
  TestTree tree;
  csv_channel(tree, 97, 5);
  for (std::size_t shards : {1U, 2U, 3U, 5U, 7U, 16U, 97U, 150U}) {
    std::multiset<int> seen;
    std::size_t smallest = SIZE_MAX;
    std::size_t largest = 0;
    for (std::size_t index = 0; index < shards; ++index) {
      LoaderOptions options;
      options.batch_size = 8;
      options.num_shards = shards;
      options.shard_index = index;
      options.threads = 2;
      Loader loader(tree.environment(), "train", options);
      const auto ids = take(loader).ids();
      seen.insert(ids.begin(), ids.end());
      smallest = std::min(smallest, ids.size());
      largest = std::max(largest, ids.size());
    }
    EXPECT_EQ(std::vector<int>(seen.begin(), seen.end()), range(97)) << shards << " shards";
    EXPECT_LE(largest - smallest, 1U) << shards << " shards";
  }
}

// Shuffled, the shards number records in the objects' shuffled order, so they must agree on it:
// without a seed every shard computes the same default, and objects_in_flight, a machine's
// choice, changes nothing.
TEST(Loader, ShuffledShardsWithoutASeedAgreeOnTheObjectOrderAndDeliverEveryRecordOnce) {
  TestTree tree;
  csv_channel(tree, 97, 9);
  for (std::size_t shards : {2U, 3U, 8U}) {
    std::multiset<int> seen;
    std::set<std::uint64_t> seeds;
    for (std::size_t index = 0; index < shards; ++index) {
      LoaderOptions options;
      options.batch_size = 8;
      options.num_shards = shards;
      options.shard_index = index;
      options.shuffle_window = 10;
      options.interleave = 3;
      options.objects_in_flight = 1 + index % 3;
      Loader loader(tree.environment(), "train", options);
      seeds.insert(loader.state().seed);
      const auto ids = take(loader).ids();
      seen.insert(ids.begin(), ids.end());
    }
    EXPECT_EQ(std::vector<int>(seen.begin(), seen.end()), range(97)) << shards << " shards";
    EXPECT_EQ(seeds.size(), 1U);
  }
}

// #15: a channel exported sorted (one object per class) came out in batches of one class when
// records kept the objects' stored order, mixed only inside the window. Objects are now shuffled and
// interleaved first; the stats report how mixed the delivery is.
TEST(Loader, ShufflingMixesAChannelExportedSortedAndTheStatsSayHowWell) {
  TestTree tree;
  csv_channel(tree, 6400, 16);  // object f holds ids 400f .. 400f+399: its class is id / 400
  const auto run = [&](std::size_t window) {
    LoaderOptions options;
    options.batch_size = 256;
    options.shuffle_window = window;
    options.seed = 11;
    Loader loader(tree.environment(), "train", options);
    std::size_t fewest_classes = SIZE_MAX;
    for (const auto& batch : take(loader).batches) {
      std::set<int> classes;
      for (const int id : batch) classes.insert(id / 400);
      if (batch.size() == 256) fewest_classes = std::min(fewest_classes, classes.size());
    }
    return std::make_pair(fewest_classes, loader.stats());
  };
  const auto [mixed_classes, mixed] = run(64);  // a window of 1% of the records
  EXPECT_GE(mixed_classes, 8U);
  EXPECT_LE(std::abs(mixed.order_correlation), 0.1);
  EXPECT_GE(mixed.objects_per_batch, 8.0);
  const auto [stored_classes, stored] = run(0);
  EXPECT_LE(stored_classes, 2U);
  EXPECT_GT(stored.order_correlation, 0.99);
  EXPECT_LE(stored.objects_per_batch, 2.0);
}

// Resuming reproduces the interleaved order whatever objects_in_flight the resumed loader has (a
// job restarted on another instance type).
TEST(Loader, ResumeIsExactWithObjectsInFlightAndInterleavedAtManyPoints) {
  TestTree tree;
  csv_channel(tree, 1500, 7);
  LoaderOptions options;
  options.batch_size = 16;
  options.shuffle_window = 40;
  options.interleave = 3;
  options.seed = 5;
  options.epochs = 2;
  options.objects_in_flight = 3;
  Loader whole(tree.environment(), "train", options);
  const auto expected = take(whole).batches;
  for (const std::size_t stop_after : {std::size_t{1}, std::size_t{17}, std::size_t{60}, std::size_t{94},
                                       std::size_t{95}, std::size_t{150}}) {
    Loader first(tree.environment(), "train", options);
    const auto head = take(first, stop_after).batches;
    LoaderOptions resumed = options;
    resumed.resume = first.state();
    resumed.objects_in_flight = 1 + stop_after % 4;
    Loader rest(tree.environment(), "train", resumed);
    auto all = head;
    const auto tail = take(rest).batches;
    all.insert(all.end(), tail.begin(), tail.end());
    EXPECT_EQ(all, expected) << "resumed after " << stop_after << " batches";
  }
}

TEST(Loader, ShuffleIsReproduciblePerSeedAndDiffersAcrossSeedsAndEpochs) {
  TestTree tree;
  csv_channel(tree, 400, 3);
  const auto run = [&](std::uint64_t seed, std::size_t threads, bool reshuffle) {
    LoaderOptions options;
    options.batch_size = 32;
    options.shuffle_window = 64;
    options.seed = seed;
    options.epochs = 2;
    options.threads = threads;
    options.reshuffle_each_epoch = reshuffle;
    Loader loader(tree.environment(), "train", options);
    return take(loader).ids();
  };
  const auto a = run(7, 1, true);
  EXPECT_EQ(a, run(7, 3, true));  // the thread count does not change the order
  EXPECT_NE(a, run(8, 2, true));
  const std::vector<int> first(a.begin(), a.begin() + 400);
  const std::vector<int> second(a.begin() + 400, a.end());
  EXPECT_NE(first, range(400));
  EXPECT_NE(first, second);
  auto sorted = first;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, range(400));
  const auto same = run(7, 2, false);
  EXPECT_EQ(std::vector<int>(same.begin(), same.begin() + 400),
            std::vector<int>(same.begin() + 400, same.end()));
}

TEST(Loader, ResumeYieldsExactlyTheRemainingBatches) {
  TestTree tree;
  csv_channel(tree, 203, 4);
  LoaderOptions options;
  options.batch_size = 16;
  options.shuffle_window = 50;
  options.seed = 99;
  options.epochs = 3;
  options.num_shards = 2;
  options.shard_index = 1;
  options.threads = 2;
  Loader whole(tree.environment(), "train", options);
  const Delivered all = take(whole);
  ASSERT_EQ(all.batches.size(), 21U);  // 102 records a shard: 7 batches an epoch
  for (std::size_t stop_after : {0U, 1U, 3U, 6U, 7U, 8U, 13U, 14U, 20U, 21U}) {
    std::string saved;
    {
      Loader first(tree.environment(), "train", options);
      const Delivered head = take(first, stop_after);
      EXPECT_EQ(head.batches.size(), stop_after);
      saved = first.state().to_json();
    }
    LoaderOptions resumed_options = options;
    resumed_options.seed.reset();
    resumed_options.resume = LoaderState::from_json(saved);
    Loader resumed(tree.environment(), "train", resumed_options);
    const Delivered rest = take(resumed);
    const std::vector<std::vector<int>> expected(
        all.batches.begin() + static_cast<std::ptrdiff_t>(stop_after), all.batches.end());
    EXPECT_EQ(rest.batches, expected) << "resumed after " << stop_after << " batches from " << saved;
  }
}

TEST(Loader, StateRoundTripsThroughJsonAndIsRefusedWhenItDoesNotFit) {
  const LoaderState state{3,  1234,    18446744073709551615ULL, 4, 2, 256, 1000, false,
                          16, "train", "2 objects, 00ff"};
  EXPECT_EQ(LoaderState::from_json(state.to_json()), state);
  // A version-1 state (before the channel's identity was kept) is read, its identity unchecked.
  const LoaderState old = LoaderState::from_json(
      R"({"version":1,"epoch":1,"position":8,"seed":3,"num_shards":1,"shard_index":0,"batch_size":8,)"
      R"("shuffle_window":0})");
  EXPECT_EQ(old.position, 8U);
  EXPECT_TRUE(old.channel.empty());
  EXPECT_EQ(old.interleave, 0U);  // before interleave: objects in stored order
  EXPECT_THROW(LoaderState::from_json("{\"version\":1}"), ConfigError);
  EXPECT_THROW(LoaderState::from_json("[1]"), ConfigError);
  EXPECT_THROW(LoaderState::from_json("not json"), ConfigError);

  TestTree tree;
  csv_channel(tree, 10, 1);
  LoaderOptions options;
  options.batch_size = 4;
  options.resume = LoaderState{0, 8, 1, 1, 0, 8, 0, true, 1, "", ""};
  try {
    Loader loader(tree.environment(), "train", options);
    FAIL() << "a state saved with another batch size was accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("batch_size 8, this loader has 4"));
  }
  options.batch_size = 8;
  options.resume = LoaderState{0, 8, 1, 3, 0, 8, 0, true, 1, "", ""};
  EXPECT_THROW(Loader(tree.environment(), "train", options), ConfigError);  // another sharding
}

std::string resume_error(const TestTree& tree, const LoaderOptions& options) {
  try {
    Loader loader(tree.environment(), "train", options);
    while (loader.next()) {
    }
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// Regression: resume took a position past the epoch's records (the rest of the epoch skipped without
// a word), a state from another channel or other data, and another reshuffle_each_epoch. (A position
// off the batch grid is legitimate: bad records skipped before the first good one shift the grid.)
// Shuffled, the pieces of a large object are objects of the order: a state from a chanload that
// read such objects whole (version 3) would resume into another order, so it is refused; read
// unshuffled the order is the stored one either way, and the same state is taken.
TEST(Loader, AShuffledResumeStateRecordsWhetherLargeObjectsWereReadInPieces) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "File"}})");
  std::string text;
  text.reserve((std::size_t{64} << 20) + 64);
  for (int i = 0; text.size() < (std::size_t{64} << 20) + 1; ++i)
    text += std::to_string(i) + std::string(90, '.') + "\n";
  tree.write("input/data/train/big.txt", text);
  LoaderOptions options;
  options.format = "lines";
  options.batch_size = 8;
  options.seed = 5;
  options.shuffle_window = 16;
  LoaderState saved;
  {
    Loader loader(tree.environment(), "train", options);
    saved = loader.state();
  }
  EXPECT_EQ(saved.piece_bytes, std::uint64_t{32} << 20);
  EXPECT_EQ(LoaderState::from_json(saved.to_json()), saved);
  LoaderState whole = saved;
  whole.piece_bytes = 0;  // as a version-3 state reads
  options.resume = whole;
  try {
    Loader loader(tree.environment(), "train", options);
    FAIL() << "a state that read the object whole was accepted for a shuffled read in pieces";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("large objects read whole, this one reads them in pieces of 33554432 bytes"));
  }
  options.resume = saved;
  EXPECT_NO_THROW(Loader(tree.environment(), "train", options));
  options.shuffle_window = 0;
  whole.shuffle_window = 0;
  whole.interleave = 1;  // unshuffled, objects are not interleaved
  options.resume = whole;
  EXPECT_NO_THROW(Loader(tree.environment(), "train", options));

  // The other way: a state that read in pieces, for a channel this loader reads whole.
  TestTree small;
  small.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "File"}})");
  small.write("input/data/train/a.txt", "1\n2\n");
  options.shuffle_window = 16;
  options.resume.reset();
  LoaderState in_pieces = Loader(small.environment(), "train", options).state();
  in_pieces.piece_bytes = std::uint64_t{32} << 20;
  options.resume = in_pieces;
  try {
    Loader loader(small.environment(), "train", options);
    FAIL() << "a state that read in pieces was accepted for a channel read whole";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("resume with the chanload that saved it"));
  }
}

TEST(Loader, ResumeRefusesAStateThatCannotBeThisLoaders) {
  TestTree tree;
  csv_channel(tree, 40, 2);
  LoaderOptions options;
  options.batch_size = 8;
  options.seed = 1;
  options.threads = 1;
  LoaderState saved;
  {
    Loader loader(tree.environment(), "train", options);
    ASSERT_TRUE(loader.next());
    saved = loader.state();
  }
  EXPECT_EQ(saved.channel, "train");
  EXPECT_THAT(saved.data, HasSubstr("2 objects"));
  options.seed.reset();

  LoaderState beyond = saved;
  beyond.position = 400;
  options.resume = beyond;
  EXPECT_THAT(resume_error(tree, options), HasSubstr("position 400 in epoch 0 is beyond the 40 records"));

  LoaderState elsewhere = saved;
  elsewhere.channel = "validation";
  options.resume = elsewhere;
  EXPECT_THAT(resume_error(tree, options), HasSubstr("saved on channel 'validation'"));

  options.resume = saved;
  options.reshuffle_each_epoch = false;
  EXPECT_EQ(resume_error(tree, options), "");  // without a window the flag changes nothing
  options.shuffle_window = 4;
  LoaderState windowed = saved;
  windowed.shuffle_window = 4;
  options.resume = windowed;
  EXPECT_THAT(resume_error(tree, options), HasSubstr("reshuffle_each_epoch true, this loader has false"));
  options.reshuffle_each_epoch = true;
  options.shuffle_window = 0;
  options.resume = saved;

  EXPECT_EQ(resume_error(tree, options), "");  // the state as saved fits
  tree.write("input/data/train/part-3", row(99));
  EXPECT_THAT(resume_error(tree, options), HasSubstr("saved on other data"));
}

// Regression: a Loader made before fork() and used in the child hung (its threads are not there).
TEST(Loader, UsedAfterAForkItSaysSoInsteadOfHanging) {
  TestTree tree;
  csv_channel(tree, 100, 2);
  LoaderOptions options;
  options.batch_size = 10;
  options.threads = 2;
  Loader loader(tree.environment(), "train", options);
  ASSERT_TRUE(loader.next());
  const std::string message = testing::answer_from_child([&]() -> std::string {
    try {
      (void)loader.next();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  });
  EXPECT_THAT(message, HasSubstr("after a fork(): its threads do not survive a fork"));
  EXPECT_TRUE(loader.next());  // the parent's loader goes on
}

// Regression: the loader read RANK/WORLD_SIZE from the process, ignoring EnvironmentOptions::getenv.
TEST(Loader, ShardingReadsTheEnvironmentsOwnVariables) {
  TestTree tree;
  csv_channel(tree, 40, 1);
  EnvironmentOptions env;
  env.root = tree.root();
  env.probe_devices = false;
  env.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "RANK") return "1";
    if (name == "WORLD_SIZE") return "4";
    return std::nullopt;
  };
  Loader loader(Environment::load(env), "train", LoaderOptions{});
  EXPECT_EQ(loader.num_shards(), 4U);
  EXPECT_EQ(loader.shard_index(), 1U);
}

TEST(LoaderVocabulary, EveryEnumHasOneSpellingBothWays) {
  for (const LastBatch value : {LastBatch::kKeep, LastBatch::kDrop, LastBatch::kPad})
    EXPECT_EQ(parse_last_batch(to_string(value)), value);
  for (const BadRecords value : {BadRecords::kError, BadRecords::kSkip, BadRecords::kWarn})
    EXPECT_EQ(parse_bad_records(to_string(value)), value);
  EXPECT_EQ(parse_loader_mode(to_string(InputMode::kPipe)), InputMode::kPipe);
  EXPECT_EQ(parse_loader_mode("file"), InputMode::kFile);
  EXPECT_THROW((void)parse_loader_mode("FastFile"), ConfigError);
  EXPECT_THROW((void)parse_last_batch("Drop"), ConfigError);
}

// Regression: --stats counted the records passed over to reach the resume position as delivered.
TEST(Loader, RecordsPassedOverToResumeAreCountedApart) {
  TestTree tree;
  csv_channel(tree, 40, 1);
  LoaderOptions options;
  options.batch_size = 8;
  options.seed = 1;
  LoaderState saved;
  {
    Loader loader(tree.environment(), "train", options);
    take(loader, 3);
    saved = loader.state();
  }
  options.resume = saved;
  Loader loader(tree.environment(), "train", options);
  EXPECT_EQ(take(loader).ids().size(), 16U);
  const LoaderStats stats = loader.stats();
  EXPECT_EQ(stats.resumed_past, 24U);
  EXPECT_EQ(stats.read.records - stats.resumed_past, 16U);
  EXPECT_THAT(stats.to_json(), HasSubstr("\"resumed_past\":24"));
}

TEST(Loader, PipeModeResumesFromTheRightEpochsFifo) {
  TestTree tree;
  const int total = 300;
  csv_channel(tree, total, 1);
  std::string content;
  for (int i = 0; i < total; ++i) content += row(i);
  std::filesystem::remove_all(tree.root() / "input/data/train");
  tree.write_config("inputdataconfig.json",
                    R"({"train": {"TrainingInputMode": "Pipe", "ContentType": "text/csv;label_size=1"}})");
  const std::string fifo = (tree.root() / "input/data/train_").string();
  LoaderOptions options;
  options.batch_size = 25;
  options.epochs = 2;
  options.shuffle_window = 40;
  options.seed = 5;
  options.pipe_timeout = 20s;

  std::vector<std::thread> writers;
  writers.push_back(testing::fifo_writer(fifo + "0", content));
  writers.push_back(testing::fifo_writer(fifo + "1", content));
  Delivered all;
  {
    Loader loader(tree.environment(), "train", options);
    all = take(loader);
  }
  for (auto& w : writers) w.join();
  writers.clear();
  ASSERT_EQ(all.batches.size(), 24U);

  // Stop after 15 batches (in epoch 1), resume: the FIFO of epoch 1 is opened again.
  std::string saved;
  writers.push_back(testing::fifo_writer(fifo + "0", content));
  writers.push_back(testing::fifo_writer(fifo + "1", content));
  {
    Loader loader(tree.environment(), "train", options);
    take(loader, 15);
    saved = loader.state().to_json();
  }
  for (auto& w : writers) w.join();  // the writer of epoch 1 sees its reader go (EPIPE) and ends
  writers.clear();
  EXPECT_EQ(LoaderState::from_json(saved).epoch, 1U);
  writers.push_back(testing::fifo_writer(fifo + "1", content));
  LoaderOptions resumed = options;
  resumed.resume = LoaderState::from_json(saved);
  Loader loader(tree.environment(), "train", resumed);
  const Delivered rest = take(loader);
  for (auto& w : writers) w.join();
  EXPECT_EQ(rest.batches, std::vector<std::vector<int>>(all.batches.begin() + 15, all.batches.end()));
}

std::string bad_csv_channel(const TestTree& tree) {
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": "text/csv;label_size=1"}})");
  std::string a;
  std::string b;
  for (int i = 0; i < 600; ++i) a += row(i);
  for (int i = 600; i < 1200; ++i) b += (i == 900 ? std::string("900,x,9002\n") : row(i));
  tree.write("input/data/train/a.csv", a);
  tree.write("input/data/train/b.csv", b);
  return "b.csv line 301";
}

TEST(Loader, ABadRecordInAShuffledParallelRunSurfacesWithItsPlace) {
  TestTree tree;
  const std::string where = bad_csv_channel(tree);
  LoaderOptions options;
  options.batch_size = 50;
  options.shuffle_window = 300;
  options.seed = 1;
  options.threads = 4;
  Loader loader(tree.environment(), "train", options);
  std::size_t delivered = 0;
  try {
    while (auto batch = loader.next()) delivered += batch->rows();
    FAIL() << "the bad record was not reported";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("channel 'train'"));
    EXPECT_THAT(e.what(), HasSubstr(where));
    EXPECT_THAT(e.what(), HasSubstr("\"x\" is not a number"));
  }
  EXPECT_LT(delivered, 1200U);
  EXPECT_EQ(delivered % 50, 0U);           // whole batches before the failing one
  EXPECT_THROW(loader.next(), DataError);  // and again: the loader does not go on past it
}

TEST(Loader, SkipPolicyCountsAndLeavesTheRecordOut) {
  TestTree tree;
  bad_csv_channel(tree);
  LoaderOptions options;
  options.batch_size = 64;
  options.threads = 3;
  options.bad_records = BadRecords::kSkip;
  Loader loader(tree.environment(), "train", options);
  std::vector<int> ids;
  std::size_t skipped = 0;
  while (auto batch = loader.next()) {
    skipped += batch->skipped_records();
    for (std::size_t r = 0; r < batch->rows(); ++r) ids.push_back(static_cast<int>(batch->labels()[r]));
  }
  auto expected = range(1200);
  expected.erase(expected.begin() + 900);
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(skipped, 1U);
  EXPECT_EQ(loader.stats().bad_records, 1U);
}

// Regression: each decode worker capped its own CSV warnings (3 workers, up to 60 lines) and
// RecordIO-protobuf warnings had no cap at all. The loader's one BadRecordLog caps them together.
TEST(Loader, WarningsAboutBadRecordsStopAtOneCapForTheWholeLoader) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": "text/csv;label_size=1"}})");
  std::string text;
  for (int i = 0; i < 4000; ++i) text += i % 20 == 7 ? "x,1,2\n" : row(i);
  tree.write("input/data/train/a.csv", text);
  LoaderOptions options;
  options.batch_size = 64;
  options.threads = 3;
  options.bad_records = BadRecords::kWarn;
  ::testing::internal::CaptureStderr();
  std::size_t rows = 0;
  {
    Loader loader(tree.environment(), "train", options);
    while (auto batch = loader.next()) rows += batch->rows();
    EXPECT_EQ(loader.stats().bad_records, 200U);
  }
  const std::string warnings = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rows, 3800U);
  std::size_t lines = 0;
  for (std::size_t at = warnings.find("skipped bad record"); at != std::string::npos;
       at = warnings.find("skipped bad record", at + 1))
    ++lines;
  EXPECT_EQ(lines, pipeline::BadRecordLog::kDefaultMaxWarnings);
  EXPECT_THAT(warnings, HasSubstr("a.csv line 8: "));
  EXPECT_THAT(warnings, HasSubstr("further bad records are only counted"));
}

// Regression (UBSan in CI): a channel without labels has empty label buffers; closing the gap of a
// skipped row and padding must not hand their null pointer to memmove/memset.
TEST(Loader, NoLabelsWithASkippedRowAndPadding) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": "text/csv"}})");
  tree.write("input/data/train/a.csv", "1,2\n3,x\n5,6\n");
  LoaderOptions options;
  options.batch_size = 4;
  options.bad_records = BadRecords::kSkip;
  options.last_batch = LastBatch::kPad;
  Loader loader(tree.environment(), "train", options);
  const auto batch = loader.next();
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->label_size(), 0U);
  EXPECT_EQ(batch->rows(), 4U);
  EXPECT_EQ(batch->padding_rows(), 2U);
  EXPECT_THAT(std::vector<float>(batch->features().begin(), batch->features().end()),
              ::testing::ElementsAre(1, 2, 5, 6, 0, 0, 0, 0));
}

TEST(Loader, ARowOfAnotherWidthIsAnErrorNamingFileAndLine) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": "text/csv"}})");
  std::string text;
  for (int i = 0; i < 3000; ++i) text += (i == 2500 ? std::string("1,2\n") : row(i));
  tree.write("input/data/train/w.csv", text);
  LoaderOptions options;
  options.threads = 2;
  Loader loader(tree.environment(), "train", options);
  try {
    while (loader.next()) {
    }
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("w.csv line 2501: expected 3 fields, found 2"));
  }
}

TEST(Loader, SlowConsumerBacksUpTheReaderWithinTheMemoryBudget) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": "text/csv;label_size=1"}})");
  std::string text;
  for (int i = 0; i < 200000; ++i) text += row(i);  // about 5 MB
  tree.write("input/data/train/big.csv", text);
  LoaderOptions options;
  options.batch_size = 1000;
  options.prefetch_batches = 2;
  options.memory_budget_bytes = 2U << 20;
  options.threads = 2;
  Loader loader(tree.environment(), "train", options);
  ASSERT_TRUE(loader.next());
  std::this_thread::sleep_for(300ms);
  const LoaderStats held = loader.stats();
  // The reader stopped: what it framed is what fills the pool and the units in flight, far from all.
  EXPECT_LT(held.read.records, 20000U);
  EXPECT_LE(held.peak_memory_bytes, options.memory_budget_bytes);
  std::size_t rows = 1000;
  while (auto batch = loader.next()) rows += batch->rows();
  EXPECT_EQ(rows, 200000U);
  const LoaderStats done = loader.stats();
  EXPECT_GT(done.read.blocked_seconds, 0.25);  // the reader waited out the consumer's pause
  // Waiting uses no CPU: the pause is in neither stage's CPU time, which stays within its busy time.
  EXPECT_LE(done.read.cpu_seconds, done.read.busy_seconds * 1.1 + 0.02);
  EXPECT_LE(done.batch.cpu_seconds, done.batch.busy_seconds * 1.1 + 0.02);
  EXPECT_LE(done.peak_memory_bytes, options.memory_budget_bytes);
}

TEST(Loader, HoldingEveryBatchBufferIsAnErrorNotAHang) {
  TestTree tree;
  csv_channel(tree, 100, 1);
  LoaderOptions options;
  options.batch_size = 5;
  options.prefetch_batches = 2;
  Loader loader(tree.environment(), "train", options);
  std::vector<Batch> kept;
  try {
    for (int i = 0; i < 20; ++i) kept.push_back(*loader.next());
    FAIL() << "no error after keeping " << kept.size() << " batches";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("batch buffers are held by the caller"));
  }
  EXPECT_EQ(kept.size(), 3U);
  kept.clear();
  EXPECT_TRUE(loader.next());
}

TEST(Loader, ABatchOutlivesItsLoader) {
  TestTree tree;
  csv_channel(tree, 10, 1);
  std::optional<Batch> batch;
  {
    LoaderOptions options;
    options.batch_size = 4;
    Loader loader(tree.environment(), "train", options);
    batch = loader.next();
  }
  ASSERT_TRUE(batch);
  EXPECT_THAT(std::vector<float>(batch->labels().begin(), batch->labels().end()),
              ::testing::ElementsAre(0, 1, 2, 3));
}

TEST(Loader, StopsPromptlyWhileWaitingOnAFifoThatNeverComes) {
  TestTree tree;
  tree.write_config("inputdataconfig.json",
                    R"({"train": {"TrainingInputMode": "Pipe", "ContentType": "text/csv"}})");
  std::filesystem::create_directories(tree.root() / "input/data");
  LoaderOptions options;
  options.pipe_timeout = 600s;
  {
    auto loader = std::make_unique<Loader>(tree.environment(), "train", options);
    std::this_thread::sleep_for(100ms);
    const auto started = std::chrono::steady_clock::now();
    loader.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  }
  Loader loader(tree.environment(), "train", options);
  std::thread stopper([&] {
    std::this_thread::sleep_for(100ms);
    loader.stop();
  });
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(loader.next(), StoppedError);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  stopper.join();
}

TEST(Loader, NextWithATimeoutReturnsWhenNothingIsReady) {
  TestTree tree;
  tree.write_config("inputdataconfig.json",
                    R"({"train": {"TrainingInputMode": "Pipe", "ContentType": "text/csv;label_size=1"}})");
  std::filesystem::create_directories(tree.root() / "input/data");
  LoaderOptions options;
  options.pipe_timeout = 20s;
  Loader loader(tree.environment(), "train", options);
  bool timed_out = false;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(loader.next(50ms, timed_out));
  EXPECT_TRUE(timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  std::thread writer = testing::fifo_writer((tree.root() / "input/data/train_0").string(), row(0) + row(1));
  std::optional<Batch> batch;
  for (int tries = 0; tries < 200 && !batch; ++tries) {
    batch = loader.next(50ms, timed_out);
    if (!batch) {
      EXPECT_TRUE(timed_out);
    }
  }
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->rows(), 2U);
  EXPECT_FALSE(loader.next(5s, timed_out));
  EXPECT_FALSE(timed_out);  // the end
  writer.join();
}

TEST(Loader, PipeTimeoutSurfacesFromNext) {
  TestTree tree;
  tree.write_config("inputdataconfig.json",
                    R"({"train": {"TrainingInputMode": "Pipe", "ContentType": "text/csv"}})");
  LoaderOptions options;
  options.pipe_timeout = 200ms;
  Loader loader(tree.environment(), "train", options);
  try {
    loader.next();
    FAIL();
  } catch (const TimeoutError& e) {
    EXPECT_THAT(e.what(), HasSubstr("channel 'train'"));
    EXPECT_THAT(e.what(), HasSubstr("train_0"));
  }
}

std::string dense_record(float label, const std::vector<float>& features) {
  using namespace chanload::testing;
  return recordio_record(entry(1, 2, field(1, 2, packed_floats(features))) +
                         entry(2, 2, field(1, 2, packed_floats({label}))));
}

std::string sparse_record(float label, const std::vector<std::uint64_t>& keys,
                          const std::vector<float>& values, std::uint64_t width) {
  using namespace chanload::testing;
  const std::string tensor = field(1, 2, packed_floats(values)) + field(2, 2, packed_varints(keys)) +
                             field(3, 2, packed_varints({width}));
  return recordio_record(entry(1, 2, tensor) + entry(2, 2, field(1, 2, packed_floats({label}))));
}

TEST(Loader, RecordIOProtobufDenseAndSparse) {
  TestTree tree;
  tree.write_config("inputdataconfig.json",
                    R"({"dense": {"ContentType": "application/x-recordio-protobuf"},
                        "sparse": {"ContentType": "application/x-recordio-protobuf"}})");
  std::string dense;
  std::string sparse;
  for (int i = 0; i < 3000; ++i) {
    const auto f = static_cast<float>(i);
    dense += dense_record(f, {f, f + 0.5F, -f});
    sparse += sparse_record(f, {static_cast<std::uint64_t>(i % 7), 9}, {f, 2 * f}, 10);
  }
  tree.write("input/data/dense/a.rec", dense);
  tree.write("input/data/sparse/a.rec", sparse);

  LoaderOptions options;
  options.batch_size = 700;
  options.threads = 3;
  {
    Loader loader(tree.environment(), "dense", options);
    int next_id = 0;
    while (auto batch = loader.next()) {
      ASSERT_EQ(batch->kind(), BatchKind::kDense);
      for (std::size_t r = 0; r < batch->rows(); ++r, ++next_id) {
        ASSERT_EQ(batch->labels()[r], static_cast<float>(next_id));
        ASSERT_EQ(batch->features()[r * 3 + 2], -static_cast<float>(next_id));
      }
    }
    EXPECT_EQ(next_id, 3000);
  }
  {
    Loader loader(tree.environment(), "sparse", options);
    int next_id = 0;
    while (auto batch = loader.next()) {
      ASSERT_EQ(batch->kind(), BatchKind::kSparse);
      EXPECT_EQ(batch->columns(), 10U);
      ASSERT_EQ(batch->indptr().size(), batch->rows() + 1);
      for (std::size_t r = 0; r < batch->rows(); ++r, ++next_id) {
        const auto begin = static_cast<std::size_t>(batch->indptr()[r]);
        ASSERT_EQ(batch->indptr()[r + 1] - batch->indptr()[r], 2);
        EXPECT_EQ(batch->indices()[begin], next_id % 7);
        EXPECT_EQ(batch->values()[begin + 1], 2.0F * static_cast<float>(next_id));
        EXPECT_EQ(batch->labels()[r], static_cast<float>(next_id));
      }
    }
    EXPECT_EQ(next_id, 3000);
  }
  options.densify = true;
  Loader loader(tree.environment(), "sparse", options);
  const auto batch = loader.next();
  ASSERT_EQ(batch->kind(), BatchKind::kDense);
  EXPECT_EQ(batch->features()[1 * 10 + 1], 1.0F);
  EXPECT_EQ(batch->features()[1 * 10 + 9], 2.0F);
}

TEST(Loader, RawFormatsDeliverPayloads) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"text": {"ContentType": "text/plain"}})");
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "line " + std::to_string(i) + "\n";
  tree.write("input/data/text/a.txt", text);
  LoaderOptions options;
  options.batch_size = 300;
  Loader loader(tree.environment(), "text", options);
  EXPECT_EQ(loader.format(), "lines");
  int next_id = 0;
  while (auto batch = loader.next()) {
    ASSERT_EQ(batch->kind(), BatchKind::kRaw);
    ASSERT_EQ(batch->offsets().size(), batch->rows() + 1);
    for (std::size_t r = 0; r < batch->rows(); ++r, ++next_id) {
      const auto payload = batch->payload(r);
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(payload.data()), payload.size()),
                "line " + std::to_string(next_id));
    }
  }
  EXPECT_EQ(next_id, 1000);
}

TEST(Loader, ValidateRefusesWhatItCannotDo) {
  const auto refused = [](auto change) {
    LoaderOptions options;
    change(options);
    try {
      options.validate();
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_THAT(refused([](LoaderOptions& o) { o.batch_size = 0; }), HasSubstr("batch_size"));
  EXPECT_THAT(refused([](LoaderOptions& o) { o.format = "parquet"; }), HasSubstr("\"parquet\""));
  EXPECT_THAT(refused([](LoaderOptions& o) { o.num_shards = 2; }), HasSubstr("shard_index"));
  EXPECT_THAT(refused([](LoaderOptions& o) { o.num_shards = 2, o.shard_index = 2; }), HasSubstr("not below"));
  EXPECT_THAT(refused([](LoaderOptions& o) { o.device = "gpu"; }), HasSubstr("cuda:N"));
  EXPECT_THAT(refused([](LoaderOptions& o) { o.delimiter = '"'; }), HasSubstr("quote"));
  EXPECT_THAT(refused([](LoaderOptions& o) { o.memory_budget_bytes = 1000; }), HasSubstr("1 MiB"));
  // A quote or delimiter the numbers themselves contain would cut fields inside them (review).
  for (const char c : {' ', '\t', '5', '+', '-', '.'}) {
    EXPECT_THAT(refused([c](LoaderOptions& o) { o.quote = c; }), HasSubstr("loader option quote")) << c;
  }
  for (const char c : {'5', '+', '-', '.'}) {
    EXPECT_THAT(refused([c](LoaderOptions& o) { o.delimiter = c; }), HasSubstr("loader option delimiter"))
        << c;
  }
  EXPECT_EQ(refused([](LoaderOptions& o) { o.delimiter = '\t'; }), "accepted");
  EXPECT_EQ(refused([](LoaderOptions& o) { o.delimiter = ' '; }), "accepted");
  EXPECT_EQ(refused([](LoaderOptions& o) { o.quote = '\''; }), "accepted");
  EXPECT_EQ(refused([](LoaderOptions&) {}), "accepted");
}

TEST(Loader, ABatchLargerThanTheBudgetIsAClearError) {
  TestTree tree;
  csv_channel(tree, 10, 1);
  LoaderOptions options;
  options.batch_size = 1U << 20;
  options.memory_budget_bytes = 4U << 20;
  Loader loader(tree.environment(), "train", options);
  try {
    loader.next();
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("memory_budget_bytes"));
  }
}

TEST(Loader, CudaDeviceWithoutAGpuIsRefusedAtOpen) {
  if (memory::probe_cuda().device_count > 0) GTEST_SKIP() << "a GPU is present";
  TestTree tree;
  csv_channel(tree, 10, 1);
  LoaderOptions options;
  options.device = "cuda:0";
  try {
    Loader loader(tree.environment(), "train", options);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cuda:0 is not available"));
  }
}

TEST(Loader, CopiesBatchesToTheGpu) {
  if (memory::probe_cuda().device_count == 0)
    GTEST_SKIP() << "no CUDA device: " << memory::probe_cuda().reason;
  TestTree tree;
  csv_channel(tree, 1000, 2);
  LoaderOptions options;
  options.batch_size = 100;
  options.device = "cuda:0";
  Loader loader(tree.environment(), "train", options);
  std::size_t rows = 0;
  while (auto batch = loader.next()) {
    EXPECT_EQ(batch->device(), 0);
    EXPECT_TRUE(batch->pinned());
    ASSERT_NE(batch->device_features(), nullptr);
    batch->synchronize();
    rows += batch->rows();
  }
  EXPECT_EQ(rows, 1000U);
}

}  // namespace
}  // namespace chanload

namespace chanload {
namespace {

// Three CSV files of different sizes with rows of different lengths, a header in each.
std::vector<int> uneven_csv_channel(const TestTree& tree) {
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": "text/csv;label_size=1"}})");
  std::vector<int> ids;
  int id = 0;
  for (int file = 0; file < 3; ++file) {
    std::string text = "label,a,b\n";
    for (int i = 0; i < 150 * (file + 1); ++i, ++id) {
      text += std::to_string(id) + "," + std::to_string(id * 10 + 1) + "," + std::to_string(id * 10 + 2) +
              (i % 7 == 0 ? std::string(40, ' ') : "") + "\n";
      ids.push_back(id);
    }
    tree.write("input/data/train/part-" + std::to_string(file), text);
  }
  return ids;
}

TEST(Loader, ByteRangeShardsReadTheirPartAndTogetherEveryRecordOnce) {
  TestTree tree;
  const std::vector<int> all = uneven_csv_channel(tree);
  std::uint64_t total_bytes = 0;
  for (int file = 0; file < 3; ++file)
    total_bytes +=
        std::filesystem::file_size(tree.root() / ("input/data/train/part-" + std::to_string(file)));
  for (std::size_t shards : {1U, 2U, 3U, 7U, 64U, 1200U}) {  // 1200: more shards than rows
    std::multiset<int> seen;
    for (std::size_t index = 0; index < shards; ++index) {
      LoaderOptions options;
      options.batch_size = 32;
      options.num_shards = shards;
      options.shard_index = index;
      options.shard_by_byte_range = true;
      options.header = true;
      options.threads = 1;
      Loader loader(tree.environment(), "train", options);
      const auto ids = take(loader).ids();
      seen.insert(ids.begin(), ids.end());
      // Each shard frames about its share of the bytes, not everything.
      EXPECT_LE(loader.stats().read.bytes, total_bytes / shards + 200) << index << " of " << shards;
    }
    EXPECT_EQ(std::vector<int>(seen.begin(), seen.end()), all) << shards << " shards";
  }
}

TEST(Loader, ByteRangeShardingRefusesWhatItCannotCut) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"rec": {"ContentType": "application/x-recordio-protobuf"},
                                                "gz": {"ContentType": "text/csv"}})");
  tree.write("input/data/gz/a.csv.gz", testing::gzip_member("1,2\n3,4\n"));
  LoaderOptions options;
  options.shard_by_byte_range = true;
  options.num_shards = 2;
  options.shard_index = 0;
  EXPECT_THROW(Loader(tree.environment(), "rec", options), ConfigError);
  try {
    Loader loader(tree.environment(), "gz", options);  // planned once, when the loader is made
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("a.csv.gz: gzip data cannot be read by byte range"));
  }
}

// Regression: byte-range planning checked its own copy of the magics and missed a zstd stream that
// begins with a skippable frame (pzstd's output): the compressed bytes were cut into ranges and read
// as CSV. It now asks the one detect_compression() the decompressor uses.
TEST(Loader, AZstdStreamThatBeginsWithASkippableFrameIsNotCutIntoByteRanges) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": "text/csv"}})");
  // A skippable frame (magic 0x184D2A50, size 4, four bytes), then anything: only the start matters.
  tree.write("input/data/train/a.csv.zst", std::string("\x50\x2a\x4d\x18\x04\x00\x00\x00", 8) + "abcd1,2\n");
  LoaderOptions options;
  options.shard_by_byte_range = true;
  options.num_shards = 2;
  options.shard_index = 0;
  try {
    Loader loader(tree.environment(), "train", options);
    while (loader.next()) {
    }
    FAIL() << "read as plain bytes";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("a.csv.zst: zstd data cannot be read by byte range"));
  }
}

TEST(Loader, AnErrorInAByteRangeShardNamesTheByteOffset) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": "text/csv"}})");
  tree.write("input/data/train/a.csv", "1,2\n3,4\n5,6\n7,x\n");
  LoaderOptions options;
  options.shard_by_byte_range = true;
  options.num_shards = 2;
  options.shard_index = 1;
  Loader loader(tree.environment(), "train", options);
  try {
    while (loader.next()) {
    }
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("a.csv byte 12: field 2: \"x\" is not a number"));
  }
}

}  // namespace
}  // namespace chanload
