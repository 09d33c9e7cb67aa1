// The reader stage: a channel's records, epoch after epoch, in the order the loader shards and
// shuffles them. File mode lists the channel once (at construction); each epoch puts the objects in
// an order (stored, or shuffled per epoch from the seed), and objects_in_flight threads read,
// decompress and frame them into blocks of records that wait for the consumer. The consumer takes
// records from `interleave` consecutive objects of that order in turn, one record each (tf.data's
// deterministic interleave): when an object runs out the next one takes its turn. So the order is a
// function of (data, seed, epoch, interleave) alone, never of the threads or their timing, and a
// resume reproduces it. Pipe mode reads the epoch's FIFO as the epoch's one object, on a thread of
// its own (framing overlaps the consumer's work).
//
// An object being read is a task a thread can put down: when its blocks fill its share of the
// buffer the thread parks it (its open source and framer kept) and takes the most urgent task that
// has room, so a few threads serve many interleaved objects and none waits while another object
// the consumer needs is unread. At most interleave + objects_in_flight objects are open at once.
// An error in an object (cut record, unreadable file) surfaces from next() where that object's next
// record would have been: after every record before it in the order.
//
// A large uncompressed object is cut into pieces (piece_bytes), each starting at a record boundary
// found when the stage is made; the pieces are objects like any other (ordered, shuffled and
// interleaved), so one large object is framed by several threads at once.
#pragma once

#include <chanload/environment.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "format/framer.h"
#include "io/channel_source.h"
#include "io/thread_cpu.h"

namespace chanload::pipeline {

struct ReaderStageOptions {
  // How objects are read: mode, pipe timeout, stop signal, listing, plain signature, byte range;
  // `objects` given: those instead of a listing (the loader lists once, for its resume fingerprint).
  io::ChannelReadOptions read;
  format::RecordFormat record_format = format::RecordFormat::kLines;
  format::FramerOptions framer;
  std::size_t objects_in_flight = 1;  // reader threads (File mode); the order does not depend on it
  std::size_t interleave = 1;         // objects whose records alternate; 1: one object after the other
  bool shuffle_objects = false;       // each epoch's object order drawn from (seed, epoch)
  std::uint64_t seed = 0;
  bool reshuffle_each_epoch = true;                  // false: every epoch takes epoch 0's object order
  std::size_t buffer_bytes = std::size_t{32} << 20;  // records read ahead, all objects together
  // File mode: an uncompressed object of at least twice this is cut into pieces of about it, each
  // read as an object of its own starting at a record boundary (pipeline/object_pieces.h), so one
  // large object is framed by several threads. 0: objects are read whole.
  std::uint64_t piece_bytes = 0;
  // Records it refuses (CSV header and blank rows) are dropped on the reader threads and counted.
  std::function<bool(std::span<const std::byte> payload, const format::RecordPlace& place)> keep;
};

// Keeps a block of the stage's records alive: a copy of it makes a record's payload outlive next().
using BlockLease = std::shared_ptr<const void>;

struct StageRecord {
  std::span<const std::byte> payload;  // valid until the next call to next(), or while `lease` is held
  format::RecordPlace place;           // origin: a string the stage keeps for its lifetime
  std::size_t object = 0;              // the object's index in objects() (Pipe mode: 0)
  // The block the payload lies in (valid until next()). Copying it lends the payload without a
  // copy of its bytes: the block returns to the stage when the last copy goes, and counts in
  // bytes_held() until then.
  const BlockLease* lease = nullptr;
};

struct ReaderStageStats {
  std::uint64_t records = 0;        // kept
  std::uint64_t payload_bytes = 0;  // kept
  std::uint64_t dropped = 0;        // refused by keep
  std::uint64_t objects = 0;        // read to their end
  double busy_seconds = 0;          // reader threads reading, decompressing, framing (summed)
  // The CPU time of that work (summed), the sources' read-ahead and zstd frame threads included
  // (counted as each object's source closes).
  double cpu_seconds = 0;
  double blocked_seconds = 0;  // reader threads with no task that has room (summed)
  double starved_seconds = 0;  // the consumer waiting for records
};

class ReaderStage {
 public:
  // Lists the channel (File mode) and starts the threads; they read nothing before start_epoch().
  ReaderStage(const ChannelConfig& channel, ReaderStageOptions options);
  ~ReaderStage();  // stops and joins the threads
  ReaderStage(const ReaderStage&) = delete;
  ReaderStage& operator=(const ReaderStage&) = delete;

  // Begins an epoch; the previous one must have been read to its end.
  void start_epoch(std::uint64_t epoch);
  // The epoch's next record, or nullopt at its end. Throws the error of the object it would come
  // from (DataError, IoError, TimeoutError naming the file or FIFO and offset) or StoppedError.
  std::optional<StageRecord> next();
  // Ends every wait, now and later, with StoppedError (also the read's stop signal: FIFO waits).
  void stop();

  [[nodiscard]] InputMode mode() const { return mode_; }
  // File mode: the channel's objects in natural order (with byte_range: this shard's parts).
  [[nodiscard]] const std::vector<io::ChannelObject>& objects() const { return objects_; }
  // The objects' indices in the order epoch `epoch` reads them.
  [[nodiscard]] std::vector<std::size_t> epoch_order(std::uint64_t epoch) const;
  [[nodiscard]] std::size_t bytes_held() const;
  [[nodiscard]] ReaderStageStats stats() const;

 private:
  struct Block;
  struct BlockStore;
  struct Feed;
  void read_loop();
  Feed* runnable_feed();  // under the lock
  void run_feed(Feed& feed, std::uint64_t epoch);
  void open_feed(Feed& feed, std::uint64_t epoch);
  bool try_push(Feed& feed, std::unique_ptr<Block>& block);
  std::unique_ptr<Block> take_block();
  void lend_current(Feed& feed, std::unique_ptr<Block> block);
  const std::string* origin_of(const Feed& feed) const;

  ChannelConfig channel_;
  ReaderStageOptions options_;
  InputMode mode_;
  std::vector<io::ChannelObject> objects_;
  std::size_t threads_ = 1;
  std::size_t feed_cap_bytes_ = 0;
  std::size_t block_bytes_ = 0;
  std::size_t read_ahead_pieces_ = 0;                 // ChannelReadOptions::read_ahead_pieces of every source
  static constexpr std::size_t kReadAheadPieces = 2;  // double buffering: enough to overlap the two
  std::size_t zstd_frame_threads_ = 0;                // ChannelReadOptions::zstd_frame_threads
  std::size_t zstd_frame_budget_bytes_ = 0;
  std::size_t read_ahead_source_bytes_ = 0;  // what one source that may read ahead holds, at most
  std::size_t chunk_bytes_ = 0;              // each open object's reads (and decompressed output)
  std::shared_ptr<io::ReaderCache> cache_;
  io::CpuTally helper_cpu_ = std::make_shared<std::atomic<std::uint64_t>>(
      0);  // the CPU time of the sources' own threads (read ahead, zstd frames)

  mutable std::mutex mutex_;
  std::condition_variable task_ready_;  // reader threads: a task has room, or may start
  std::condition_variable blocks_;      // the consumer: a block arrived or an object ended
  bool stopping_ = false;
  bool consumer_waiting_ = false;
  std::size_t idle_threads_ = 0;  // reader threads waiting for a task
  std::uint64_t epoch_ = 0;
  bool epoch_open_ = false;
  std::vector<std::unique_ptr<Feed>> feeds_;  // the epoch's objects, in its order
  std::size_t first_open_ = 0;                // feeds below it are done
  std::size_t activated_ = 0;                 // feeds below it have had their turn in the cycle
  std::size_t open_sources_ = 0;              // feeds with an open source (parked or running)
  std::size_t open_read_ahead_sources_ = 0;   // of those, the ones that may read ahead
  std::deque<std::string> fifo_names_;        // Pipe mode: one per epoch read
  // Blocks' memory: waiting, taken by the consumer (or lent on), and kept for reuse. Its own lock:
  // a lent block comes back from whichever thread drops its last lease, maybe after the stage.
  std::shared_ptr<BlockStore> store_;
  ReaderStageStats stats_;

  // The consumer's own (next() is called from one thread).
  std::vector<std::size_t> cycle_;  // feeds taking turns
  std::size_t cursor_ = 0;

  std::vector<std::thread> threads_list_;
};

}  // namespace chanload::pipeline
