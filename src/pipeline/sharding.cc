#include "pipeline/sharding.h"

#include <chanload/errors.h>

#include <charconv>
#include <cstdlib>

namespace chanload::pipeline {
namespace {

std::optional<std::size_t> read_count(const GetEnv& getenv, const std::string& name) {
  const auto text = getenv(name);
  if (!text || text->empty()) return std::nullopt;
  std::size_t value = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end) {
    throw ConfigError("environment variable " + name + "=\"" + *text + "\" is not a non-negative integer");
  }
  return value;
}

// A (rank, size) pair of variables: both or neither.
std::optional<std::pair<std::size_t, std::size_t>> read_pair(const GetEnv& getenv,
                                                             const std::string& rank_name,
                                                             const std::string& size_name) {
  const auto rank = read_count(getenv, rank_name);
  const auto size = read_count(getenv, size_name);
  if (!rank && !size) return std::nullopt;
  if (!rank || !size) {
    throw ConfigError((rank ? size_name : rank_name) + " is not set but " + (rank ? rank_name : size_name) +
                      " is: set both or neither");
  }
  if (*size == 0 || *rank >= *size) {
    throw ConfigError(rank_name + "=" + std::to_string(*rank) + " is not below " + size_name + "=" +
                      std::to_string(*size));
  }
  return std::make_pair(*rank, *size);
}

struct Processes {
  std::optional<std::pair<std::size_t, std::size_t>> local;   // on this host
  std::optional<std::pair<std::size_t, std::size_t>> global;  // across the job
  std::string source;
};

Processes read_processes(const GetEnv& getenv) {
  Processes torchrun{read_pair(getenv, "LOCAL_RANK", "LOCAL_WORLD_SIZE"),
                     read_pair(getenv, "RANK", "WORLD_SIZE"), "torchrun"};
  if (torchrun.local || torchrun.global) return torchrun;
  return {read_pair(getenv, "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE"),
          read_pair(getenv, "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"), "Open MPI"};
}

std::string describe(std::size_t index, std::size_t count) {
  return std::to_string(index) + " of " + std::to_string(count);
}

}  // namespace

GetEnv variables_of(const Environment& environment) {
  return [&environment](const std::string& name) { return environment.variable(name); };
}

Sharding resolve_sharding(const Environment& environment, const ChannelConfig& channel,
                          std::optional<std::size_t> num_shards, std::optional<std::size_t> shard_index,
                          const GetEnv& getenv) {
  if (num_shards.has_value() != shard_index.has_value())
    throw ConfigError("num_shards and shard_index: give both or neither");
  if (num_shards) {
    if (*num_shards == 0 || *shard_index >= *num_shards) {
      throw ConfigError("shard_index " + std::to_string(*shard_index) + " is not below num_shards " +
                        std::to_string(*num_shards));
    }
    return {*num_shards, *shard_index, "explicit: shard " + describe(*shard_index, *num_shards)};
  }

  const bool by_host = channel.distribution == S3Distribution::kFullyReplicated;
  const std::size_t hosts = by_host ? environment.hosts().size() : 1;
  const std::size_t host_rank = by_host && hosts > 1 ? environment.current_host_rank() : 0;
  const std::string host_reason =
      by_host ? (hosts > 1 ? "FullyReplicated: host " + describe(host_rank, hosts) : "one host")
              : "ShardedByS3Key: the platform split the objects between hosts";

  const Processes processes = read_processes(getenv);
  if (processes.local) {
    const auto [local_rank, local_size] = *processes.local;
    if (processes.global && by_host && processes.global->second != hosts * local_size) {
      throw ConfigError(processes.source + ": world size " + std::to_string(processes.global->second) +
                        " is not " + std::to_string(hosts) + " hosts x " + std::to_string(local_size) +
                        " local processes");
    }
    const std::size_t count = hosts * local_size;
    const std::size_t index = host_rank * local_size + local_rank;
    return {count, index,
            host_reason + "; " + processes.source + " local process " + describe(local_rank, local_size) +
                " -> shard " + describe(index, count)};
  }
  if (processes.global) {
    const auto [rank, size] = *processes.global;
    if (by_host) {
      // The global rank already counts every host's processes.
      if (size % hosts != 0) {
        throw ConfigError(processes.source + ": world size " + std::to_string(size) +
                          " is not a multiple of the " + std::to_string(hosts) + " hosts");
      }
      return {size, rank, host_reason + "; " + processes.source + " rank " + describe(rank, size)};
    }
    if (environment.hosts().size() != 1) {
      throw ConfigError(processes.source +
                        " gives a global rank but no local rank; with ShardedByS3Key over " +
                        std::to_string(environment.hosts().size()) +
                        " hosts the processes on this host must be known (set the local rank and size)");
    }
    return {size, rank, host_reason + "; " + processes.source + " rank " + describe(rank, size)};
  }
  return {hosts, host_rank, host_reason};
}

}  // namespace chanload::pipeline
