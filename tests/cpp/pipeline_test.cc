// The pipeline's parts on their own: sharding from the job and the process, the shuffle window.
#include <chanload/errors.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "pipeline/batch_pool.h"
#include "pipeline/random.h"
#include "pipeline/sharding.h"
#include "pipeline/shuffle_window.h"
#include "test_tree.h"

namespace chanload::pipeline {
namespace {

using ::testing::HasSubstr;
using testing::TestTree;

Environment job(const TestTree& tree, const std::string& host, int hosts, const std::string& distribution) {
  std::string list;
  for (int i = hosts; i >= 1; --i)
    list += std::string(list.empty() ? "" : ",") + "\"algo-" + std::to_string(i) + "\"";
  tree.write_config("resourceconfig.json", R"({"current_host": ")" + host + R"(", "hosts": [)" + list + "]}");
  tree.write_config("inputdataconfig.json",
                    R"({"train": {"S3DistributionType": ")" + distribution + R"("}})");
  EnvironmentOptions options;
  options.root = tree.root();
  options.probe_devices = false;
  return Environment::load(options);
}

GetEnv variables(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(Sharding, FullyReplicatedShardsAcrossSortedHostsAndLocalProcesses) {
  TestTree tree;
  const Environment env = job(tree, "algo-2", 3, "FullyReplicated");
  const ChannelConfig& channel = env.channel("train");
  Sharding s = resolve_sharding(env, channel, std::nullopt, std::nullopt, variables({}));
  EXPECT_EQ(s.num_shards, 3U);
  EXPECT_EQ(s.shard_index, 1U);
  s = resolve_sharding(
      env, channel, std::nullopt, std::nullopt,
      variables({{"LOCAL_RANK", "3"}, {"LOCAL_WORLD_SIZE", "4"}, {"RANK", "7"}, {"WORLD_SIZE", "12"}}));
  EXPECT_EQ(s.num_shards, 12U);
  EXPECT_EQ(s.shard_index, 7U);
  EXPECT_THAT(s.reason, HasSubstr("torchrun"));
  s = resolve_sharding(env, channel, std::nullopt, std::nullopt,
                       variables({{"OMPI_COMM_WORLD_LOCAL_RANK", "1"}, {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"}}));
  EXPECT_EQ(s.num_shards, 6U);
  EXPECT_EQ(s.shard_index, 3U);
  s = resolve_sharding(env, channel, std::nullopt, std::nullopt,
                       variables({{"RANK", "5"}, {"WORLD_SIZE", "6"}}));
  EXPECT_EQ(s.num_shards, 6U);
  EXPECT_EQ(s.shard_index, 5U);
}

TEST(Sharding, ShardedByS3KeyShardsOnlyTheProcessesOfThisHost) {
  TestTree tree;
  const Environment env = job(tree, "algo-2", 2, "ShardedByS3Key");
  const ChannelConfig& channel = env.channel("train");
  Sharding s = resolve_sharding(env, channel, std::nullopt, std::nullopt, variables({}));
  EXPECT_EQ(s.num_shards, 1U);
  s = resolve_sharding(
      env, channel, std::nullopt, std::nullopt,
      variables({{"LOCAL_RANK", "1"}, {"LOCAL_WORLD_SIZE", "4"}, {"RANK", "5"}, {"WORLD_SIZE", "8"}}));
  EXPECT_EQ(s.num_shards, 4U);
  EXPECT_EQ(s.shard_index, 1U);
  EXPECT_THROW(resolve_sharding(env, channel, std::nullopt, std::nullopt,
                                variables({{"RANK", "1"}, {"WORLD_SIZE", "4"}})),
               ConfigError);
}

TEST(Sharding, ExplicitWinsAndContradictionsAreRefused) {
  TestTree tree;
  const Environment env = job(tree, "algo-1", 2, "FullyReplicated");
  const ChannelConfig& channel = env.channel("train");
  const Sharding s = resolve_sharding(env, channel, 5, 4, variables({{"RANK", "0"}, {"WORLD_SIZE", "2"}}));
  EXPECT_EQ(s.num_shards, 5U);
  EXPECT_EQ(s.shard_index, 4U);
  const auto message = [&](std::map<std::string, std::string> vars) {
    try {
      resolve_sharding(env, channel, std::nullopt, std::nullopt, variables(std::move(vars)));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_THAT(message({{"RANK", "1"}}), HasSubstr("WORLD_SIZE is not set but RANK is"));
  EXPECT_THAT(message({{"RANK", "4"}, {"WORLD_SIZE", "4"}}), HasSubstr("not below"));
  EXPECT_THAT(message({{"RANK", "x"}, {"WORLD_SIZE", "4"}}), HasSubstr("not a non-negative integer"));
  EXPECT_THAT(message({{"RANK", "1"}, {"WORLD_SIZE", "3"}}), HasSubstr("not a multiple of the 2 hosts"));
  EXPECT_THAT(message({{"LOCAL_RANK", "0"}, {"LOCAL_WORLD_SIZE", "2"}, {"RANK", "0"}, {"WORLD_SIZE", "2"}}),
              HasSubstr("is not 2 hosts x 2"));
}

std::vector<int> shuffle(std::size_t window, std::uint64_t seed, int count) {
  ShuffleWindow shuffler(window);
  shuffler.start_epoch(seed);
  std::vector<int> out;
  const auto emit = [&](std::span<const std::byte> payload, const format::RecordPlace& place) {
    EXPECT_EQ(payload.size(), place.offset);  // the place travels with its payload
    out.push_back(static_cast<int>(place.offset));
  };
  for (int i = 0; i < count; ++i) {
    const std::vector<std::byte> payload(static_cast<std::size_t>(i));
    shuffler.push(payload, format::RecordPlace{nullptr, static_cast<std::uint64_t>(i), 0}, emit);
  }
  shuffler.drain(emit);
  return out;
}

TEST(ShuffleWindow, PermutesWithinTheWindowReproducibly) {
  const auto a = shuffle(16, 1, 200);
  EXPECT_EQ(a, shuffle(16, 1, 200));
  EXPECT_NE(a, shuffle(16, 2, 200));
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> all(200);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(sorted, all);
  // A record leaves no earlier than window - 1 places before it came.
  for (std::size_t at = 0; at < a.size(); ++at) EXPECT_LE(static_cast<std::size_t>(a[at]), at + 16);
  EXPECT_EQ(shuffle(1, 3, 50), std::vector<int>(all.begin(), all.begin() + 50));  // window 1: data order
}

TEST(Random, IsFixedByItsDefinition) {
  // splitmix64's published first output for seed 0 (the order must not change across builds).
  Random random(0);
  EXPECT_EQ(random.next(), 0xE220A8397B1DCDAFULL);
  Random bounded(42);
  for (int i = 0; i < 1000; ++i) EXPECT_LT(bounded.below(7), 7U);
}

}  // namespace
}  // namespace chanload::pipeline

namespace chanload::pipeline {
namespace {

// Regression: a Batch that survived into a forked child (multiprocessing's fork start method, the
// batch made in the parent) gave its slot back to the parent's pool when freed there, locking the
// pool's mutex, which a parent thread may have held at the fork: the child could hang for ever. A
// release in another process now leaves the pool alone, so nothing in the child waits on it.
TEST(BatchPool, ASlotFreedInAForkedChildLeavesThePoolAlone) {
  SlotLayout layout;
  layout.batch_size = 4;
  layout.columns = 2;
  layout.label_size = 1;
  auto pool = std::make_shared<BatchPool>(layout, 2, nullptr);
  SlotLease first(pool, pool->acquire());
  SlotLease second(pool, pool->acquire());
  pool->mark_delivered(first.slot());
  pool->mark_delivered(second.slot());
  ASSERT_TRUE(pool->all_delivered());
  const std::string answer = testing::answer_from_child([&] {
    first.reset();
    return std::string(pool->all_delivered() ? "untouched" : "given back");
  });
  EXPECT_EQ(answer, "untouched");
  first.reset();  // in the pool's own process: given back
  EXPECT_FALSE(pool->all_delivered());
}

}  // namespace
}  // namespace chanload::pipeline
