// The loader: a channel's records as batches, sharded, shuffled, decoded in parallel, prefetched into
// a fixed pool of batch buffers and (with a device) copied to the GPU asynchronously.
//
//   chanload::Loader loader(chanload::Environment::load(), "train", options);
//   while (auto batch = loader.next()) train_step(batch->features(), batch->labels());
//   save(loader.state().to_json());  // reopen with options.resume to continue exactly there
#pragma once

#include <chanload/batch.h>
#include <chanload/environment.h>
#include <chanload/loader_options.h>
#include <chanload/loader_stats.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace chanload {

class Loader {
 public:
  // Validates the options, resolves the format and the sharding, and starts reading. ConfigError
  // for options, channel or device it cannot use (device = "cuda:N" with no such GPU among them).
  Loader(const Environment& environment, std::string_view channel, LoaderOptions options = {});
  ~Loader();  // stops and joins promptly, even while a reader waits on a FIFO
  // A Loader belongs to the process that made it: its threads do not survive fork(). In a forked
  // child every call throws Error saying so (make the Loader in the child, or use the spawn start
  // method), and the destructor leaves the parent's state alone instead of waiting for threads that
  // are not there.
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // The next batch in order, or nullopt at the end of the last epoch. Rethrows, with its context, an
  // error from any stage once every batch before it has been delivered. StoppedError after stop().
  std::optional<Batch> next();
  // Like next(), waiting at most `timeout`: a batch; or nullopt with timed_out false at the end; or
  // nullopt with timed_out true when none was ready in time (call again). For callers that must
  // look up between waits (Python checks for Ctrl-C).
  std::optional<Batch> next(std::chrono::milliseconds timeout, bool& timed_out);

  // Where the next batch would come from: pass as LoaderOptions::resume to continue there.
  [[nodiscard]] LoaderState state() const;
  [[nodiscard]] LoaderStats stats() const;
  // Asks every stage to stop; a next() waiting now or later throws StoppedError. Thread-safe.
  void stop();

  // What the loader resolved: the format's name, the sharding, the worker count.
  [[nodiscard]] const std::string& format() const;
  [[nodiscard]] std::size_t num_shards() const;
  [[nodiscard]] std::size_t shard_index() const;
  [[nodiscard]] const std::string& sharding_reason() const;  // how the sharding was decided
  [[nodiscard]] std::size_t threads() const;
  // Threads reading, decompressing and framing objects (objects_in_flight, resolved).
  [[nodiscard]] std::size_t objects_in_flight() const;

 private:
  class Impl;
  Impl& impl() const;  // throws Error in a process forked after the Loader was made
  std::unique_ptr<Impl> impl_;
  long owner_pid_;
};

}  // namespace chanload
