// Which share of a channel's records this process reads. Record i of an epoch (counted over the
// whole channel in data order) belongs to shard i % num_shards: every record goes to exactly one
// shard, and shard sizes differ by at most one record, as collective training needs.
#pragma once

#include <chanload/environment.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace chanload::pipeline {

struct Sharding {
  std::size_t num_shards = 1;
  std::size_t shard_index = 0;
  std::string reason;  // how it was decided, for logs and errors
};

using GetEnv = std::function<std::optional<std::string>(const std::string&)>;

// Explicit num_shards/shard_index win. Otherwise: hosts (FullyReplicated: the platform gives every
// host all the data, so shard across the sorted hosts; ShardedByS3Key: the platform already split
// the objects between hosts) times processes on this host (torchrun's LOCAL_RANK/LOCAL_WORLD_SIZE,
// or RANK/WORLD_SIZE; Open MPI's OMPI_COMM_WORLD_LOCAL_RANK/..._LOCAL_SIZE or _RANK/_SIZE).
// Throws ConfigError when the variables contradict each other or the job.
Sharding resolve_sharding(const Environment& environment, const ChannelConfig& channel,
                          std::optional<std::size_t> num_shards, std::optional<std::size_t> shard_index,
                          const GetEnv& getenv);

// The environment's variables (Environment::variable: its getenv option, else the process's).
GetEnv variables_of(const Environment& environment);

}  // namespace chanload::pipeline
