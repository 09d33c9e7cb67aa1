#include "pipeline/reader_stage.h"

#include <chanload/errors.h>

#include <algorithm>
#include <chrono>
#include <numeric>

#include "format/record_reader.h"
#include "io/parallel_zstd_source.h"
#include "io/reader_cache.h"
#include "io/stop_signal.h"
#include "io/thread_cpu.h"
#include "pipeline/object_pieces.h"
#include "pipeline/random.h"

namespace chanload::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Distinct from the shuffle window's seeds (pipeline::epoch_seed of a shard) for the same epoch.
constexpr std::uint64_t kObjectOrderSalt = 0x6F626A6563747321ULL;

}  // namespace

struct ReaderStage::Block {
  struct Entry {
    std::size_t offset = 0;
    std::size_t size = 0;
    format::RecordPlace place;
  };
  std::vector<std::byte> bytes;
  std::vector<Entry> records;
  [[nodiscard]] std::size_t held() const { return bytes.capacity() + records.capacity() * sizeof(Entry); }
};

struct ReaderStage::BlockStore {
  std::mutex mutex;
  std::vector<std::unique_ptr<Block>> free;
  std::size_t free_bytes = 0;
  std::size_t waiting_bytes = 0;  // pushed by the threads, not yet taken by the consumer
  std::size_t taken_bytes = 0;    // the consumer's current blocks, and blocks lent on from them
  std::size_t keep_limit = 0;     // free blocks are kept while all of them stay inside this

  [[nodiscard]] std::size_t held() {
    std::lock_guard lock(mutex);
    return free_bytes + waiting_bytes + taken_bytes;
  }
  // A taken block's last lease went. Kept for reuse while the stage stays inside its buffer: a
  // fresh 1 MiB block is a fresh mapping whose pages fault in again.
  void give_back(Block* returned) {
    std::unique_ptr<Block> block(returned);
    const std::size_t held = block->held();  // as when it was taken: nothing writes a taken block
    block->bytes.clear();
    block->records.clear();
    std::lock_guard lock(mutex);
    taken_bytes -= held;
    if (free_bytes + waiting_bytes + taken_bytes + held <= keep_limit) {
      free_bytes += held;
      free.push_back(std::move(block));
    }
  }
};

struct ReaderStage::Feed {
  std::size_t object = 0;  // index in objects_ (Pipe mode: 0)
  // Shared with the consumer, under the stage's lock.
  std::deque<std::unique_ptr<Block>> blocks;
  std::size_t held = 0;  // bytes of `blocks`
  bool running = false;  // a thread has the task (what follows is that thread's alone)
  bool done = false;
  std::exception_ptr error;
  // The task, touched only by the thread running it (handed over under the lock).
  std::unique_ptr<io::ChannelSource> source;
  std::unique_ptr<format::RecordReader> reader;
  std::unique_ptr<Block> filling;  // records being gathered
  std::unique_ptr<Block> pending;  // a full block that found no room yet
  bool exhausted = false;          // the reader has no more records
  bool may_read_ahead = false;     // its source inflates ahead of the framing (counted in bytes_held)
  // The consumer's: the block it takes records from, and the lease that keeps it (its copies lend
  // the block's records on).
  const Block* current = nullptr;
  BlockLease current_lease;
  std::size_t next_record = 0;
};

ReaderStage::ReaderStage(const ChannelConfig& channel, ReaderStageOptions options)
    : channel_(channel),
      options_(std::move(options)),
      mode_(io::resolve_read_mode(channel_, options_.read.mode)),
      store_(std::make_shared<BlockStore>()) {
  store_->keep_limit = options_.buffer_bytes;
  if (!options_.read.stop) options_.read.stop = std::make_shared<io::StopSignal>();
  options_.read.mode = mode_;
  options_.interleave = std::max<std::size_t>(options_.interleave, 1);
  if (mode_ == InputMode::kPipe) {
    threads_ = 1;  // one FIFO per epoch: one reader, and one object per epoch
  } else {
    if (options_.read.objects) {
      objects_ = *options_.read.objects;
    } else {
      objects_ = io::list_channel_objects(channel_, options_.read.listing);
      if (options_.read.byte_range)
        objects_ = io::byte_range_parts(channel_, objects_, *options_.read.byte_range);
    }
    if (options_.piece_bytes != 0) {
      objects_ = cut_into_pieces(
          channel_, std::move(objects_),
          PiecePlan{options_.piece_bytes, options_.record_format, options_.framer, options_.read.compression,
                    std::max<std::size_t>(options_.objects_in_flight, 1)});
    }
    threads_ =
        std::clamp<std::size_t>(options_.objects_in_flight, 1, std::max<std::size_t>(objects_.size(), 1));
  }
  const std::size_t feeds_open = options_.interleave + threads_;
  feed_cap_bytes_ = std::max<std::size_t>(options_.buffer_bytes / feeds_open, std::size_t{64} << 10);
  block_bytes_ = std::clamp<std::size_t>(feed_cap_bytes_ / 4, std::size_t{16} << 10, std::size_t{1} << 20);
  // An open object keeps its reads in flight (queue depth 4) and a decompressed chunk: with many
  // objects open, smaller chunks keep that inside the buffer too.
  chunk_bytes_ =
      std::clamp<std::size_t>(feed_cap_bytes_ / 8, std::size_t{64} << 10, options_.read.chunk_bytes);
  // Threads asked for beyond the objects read at once (Pipe mode's one FIFO, or few large compressed
  // objects) decompress each stream ahead of its framing instead of idling.
  const std::size_t read_at_once = mode_ == InputMode::kPipe ? 1 : objects_.size();
  read_ahead_pieces_ = options_.objects_in_flight > read_at_once ? kReadAheadPieces : 0;
  // The same spare threads decode a zstd stream's frames at once (Pipe mode: one frame or more per
  // S3 object), holding half the object's share of the buffer ahead.
  if (read_ahead_pieces_ != 0) {
    zstd_frame_threads_ =
        std::max<std::size_t>(2, options_.objects_in_flight / std::max<std::size_t>(read_at_once, 1));
    zstd_frame_budget_bytes_ = feed_cap_bytes_ / 2;
  }
  // What a source that may read ahead holds beyond a plain one: pieces read ahead, or zstd frames.
  if (read_ahead_pieces_ != 0) {
    io::ParallelZstdOptions frames;
    frames.threads = zstd_frame_threads_;
    frames.output_chunk_bytes = chunk_bytes_;
    frames.output_budget_bytes = zstd_frame_budget_bytes_;
    frames.input_budget_bytes = zstd_frame_budget_bytes_ / 4;
    read_ahead_source_bytes_ = std::max((read_ahead_pieces_ + 1) * chunk_bytes_, frames.bytes_bound());
  }
  cache_ = options_.read.cache ? options_.read.cache : std::make_shared<io::ReaderCache>();
  threads_list_.reserve(threads_);
  for (std::size_t i = 0; i < threads_; ++i) threads_list_.emplace_back([this] { read_loop(); });
}

ReaderStage::~ReaderStage() {
  stop();
  for (auto& thread : threads_list_) thread.join();
}

void ReaderStage::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  options_.read.stop->request_stop();
  task_ready_.notify_all();
  blocks_.notify_all();
}

std::vector<std::size_t> ReaderStage::epoch_order(std::uint64_t epoch) const {
  if (mode_ == InputMode::kPipe) return {0};
  std::vector<std::size_t> order(objects_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (!options_.shuffle_objects) return order;
  // Fisher-Yates with the project's fixed generator: every process of a job that shares the seed
  // puts the objects in the same order (the shard rule numbers records in this order).
  Random random(splitmix64(epoch_seed(options_.seed, options_.reshuffle_each_epoch ? epoch : 0, 1, 0) ^
                           kObjectOrderSalt));
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[random.below(i)]);
  return order;
}

void ReaderStage::start_epoch(std::uint64_t epoch) {
  const std::vector<std::size_t> order = epoch_order(epoch);
  std::unique_lock lock(mutex_);
  if (epoch_open_) throw Error("reader stage: epoch " + std::to_string(epoch_) + " was not read to its end");
  if (stopping_) throw StoppedError("channel \"" + channel_.name + "\": stopped");
  epoch_ = epoch;
  epoch_open_ = true;
  if (mode_ == InputMode::kPipe) fifo_names_.push_back(channel_.path.string() + "_" + std::to_string(epoch));
  feeds_.clear();
  for (const std::size_t object : order) {
    auto feed = std::make_unique<Feed>();
    feed->object = object;
    feeds_.push_back(std::move(feed));
  }
  first_open_ = 0;
  activated_ = std::min(options_.interleave, feeds_.size());
  cycle_.resize(activated_);
  std::iota(cycle_.begin(), cycle_.end(), std::size_t{0});
  cursor_ = 0;
  lock.unlock();
  task_ready_.notify_all();
}

const std::string* ReaderStage::origin_of(const Feed& feed) const {
  return mode_ == InputMode::kPipe ? &fifo_names_.back() : &objects_[feed.object].path;
}

ReaderStage::Feed* ReaderStage::runnable_feed() {
  if (!epoch_open_) return nullptr;
  while (first_open_ < feeds_.size() && feeds_[first_open_]->done) ++first_open_;
  // The earliest object in the order first: the consumer needs those taking turns before any read
  // ahead, and objects start at most threads_ beyond them.
  const std::size_t end = std::min(feeds_.size(), activated_ + threads_);
  for (std::size_t i = first_open_; i < end; ++i) {
    Feed& feed = *feeds_[i];
    if (feed.running || feed.done) continue;
    const std::size_t next = feed.pending ? feed.pending->held() : block_bytes_;
    if (feed.held == 0 || feed.held + next <= feed_cap_bytes_) return &feed;
  }
  return nullptr;
}

void ReaderStage::read_loop() {
  while (true) {
    Feed* feed = nullptr;
    std::uint64_t epoch = 0;
    {
      std::unique_lock lock(mutex_);
      const auto waited = Clock::now();
      ++idle_threads_;
      task_ready_.wait(lock, [&] { return stopping_ || (feed = runnable_feed()) != nullptr; });
      --idle_threads_;
      if (stopping_) return;
      if (epoch_open_) stats_.blocked_seconds += seconds_since(waited);
      feed->running = true;
      epoch = epoch_;
    }
    run_feed(*feed, epoch);
  }
}

void ReaderStage::open_feed(Feed& feed, std::uint64_t epoch) {
  io::ChannelReadOptions read = options_.read;
  read.epochs = 1;
  read.start_epoch = epoch;
  read.cache = cache_;
  read.chunk_bytes = chunk_bytes_;
  read.byte_range.reset();  // planned into objects_ already
  read.read_ahead_pieces = read_ahead_pieces_;
  read.zstd_frame_threads = zstd_frame_threads_;
  read.zstd_frame_budget_bytes = zstd_frame_budget_bytes_;
  read.helper_cpu = helper_cpu_;
  if (mode_ == InputMode::kFile) read.objects = std::vector<io::ChannelObject>{objects_[feed.object]};
  feed.source = std::make_unique<io::ChannelSource>(channel_, std::move(read));
  feed.reader = std::make_unique<format::RecordReader>(*feed.source, options_.record_format, options_.framer);
  // A piece is plain bytes, never read ahead; a whole object or a FIFO may be compressed.
  feed.may_read_ahead =
      read_ahead_pieces_ != 0 && (mode_ == InputMode::kPipe || !objects_[feed.object].ranged);
  std::lock_guard lock(mutex_);
  ++open_sources_;
  if (feed.may_read_ahead) ++open_read_ahead_sources_;
}

// Reads the feed's object until its blocks fill its share (the task is parked, source open) or the
// object ends (the feed is done, after its source is closed).
void ReaderStage::run_feed(Feed& feed, std::uint64_t epoch) {
  const auto started = Clock::now();
  const double cpu_started = io::thread_cpu_seconds();
  std::uint64_t records = 0;
  std::uint64_t payload_bytes = 0;
  std::uint64_t dropped = 0;
  bool finished = false;
  std::exception_ptr error;
  try {
    if (!feed.reader) open_feed(feed, epoch);
    const io::ChannelObject* object = mode_ == InputMode::kFile ? &objects_[feed.object] : nullptr;
    const std::string* origin = origin_of(feed);
    while (true) {
      if (feed.pending && !try_push(feed, feed.pending)) break;  // no room: park
      if (feed.exhausted) {
        if (feed.filling && !feed.filling->records.empty()) {
          feed.pending = std::move(feed.filling);
          continue;
        }
        finished = true;
        break;
      }
      if (!feed.filling) feed.filling = take_block();
      auto record = feed.reader->next();
      if (!record) {
        feed.exhausted = true;
        continue;
      }
      if (object != nullptr && object->ranged) {
        // This shard's records start in [begin, end) of the file; reading began one byte early.
        if (record->place.offset < object->range.begin) continue;  // the shard before owns it
        if (record->place.offset >= object->range.end) {
          feed.reader->skip_stream();  // the shard after owns the rest of the file
          continue;
        }
      }
      if (options_.keep && !options_.keep(record->payload, record->place)) {
        ++dropped;
        continue;
      }
      Block& block = *feed.filling;
      // A block is full by its payloads and its entries together (short lines: mostly entries).
      const std::size_t would_hold =
          block.bytes.size() + record->payload.size() + (block.records.size() + 1) * sizeof(Block::Entry);
      if (!block.records.empty() && would_hold > block_bytes_) {
        feed.pending = std::move(feed.filling);
        feed.filling = take_block();
      }
      Block& into = *feed.filling;
      format::RecordPlace place = record->place;
      place.origin = origin;
      into.records.push_back({into.bytes.size(), record->payload.size(), place});
      into.bytes.insert(into.bytes.end(), record->payload.begin(), record->payload.end());
      ++records;
      payload_bytes += record->payload.size();
    }
  } catch (...) {
    error = std::current_exception();
    finished = true;
  }
  if (finished) {
    // Closed before the feed says it is done: a Pipe-mode source holds the channel's one-reader
    // registration, which the next epoch's source takes.
    const bool was_open = feed.source != nullptr;
    feed.reader.reset();
    feed.source.reset();
    feed.filling.reset();
    feed.pending.reset();
    std::lock_guard lock(mutex_);
    if (was_open) --open_sources_;
    if (was_open && feed.may_read_ahead) --open_read_ahead_sources_;
  }
  {
    std::lock_guard lock(mutex_);
    feed.running = false;
    if (finished) {
      feed.done = true;
      feed.error = error;
      if (!error) ++stats_.objects;
    }
    stats_.records += records;
    stats_.payload_bytes += payload_bytes;
    stats_.dropped += dropped;
    stats_.busy_seconds += seconds_since(started);
    stats_.cpu_seconds += io::thread_cpu_seconds() - cpu_started;
  }
  blocks_.notify_all();
  task_ready_.notify_all();  // another thread may take this task up again, or the next one
}

std::unique_ptr<ReaderStage::Block> ReaderStage::take_block() {
  {
    std::lock_guard lock(store_->mutex);
    if (!store_->free.empty()) {
      auto block = std::move(store_->free.back());
      store_->free.pop_back();
      store_->free_bytes -= block->held();
      return block;
    }
  }
  auto block = std::make_unique<Block>();
  block->bytes.reserve(block_bytes_);
  return block;
}

// Under the lock. The block leaves the waiting count for the taken one, in the store's lease.
void ReaderStage::lend_current(Feed& feed, std::unique_ptr<Block> block) {
  const std::size_t held = block->held();
  {
    std::lock_guard lock(store_->mutex);
    store_->waiting_bytes -= held;
    store_->taken_bytes += held;
  }
  feed.held -= held;
  feed.current = block.get();
  feed.current_lease = BlockLease(block.release(), [store = store_](const void* taken) {
    store->give_back(const_cast<Block*>(
        static_cast<const Block*>(taken)));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  });
  feed.next_record = 0;
}

bool ReaderStage::try_push(Feed& feed, std::unique_ptr<Block>& block) {
  const std::size_t held = block->held();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) throw StoppedError("channel \"" + channel_.name + "\": stopped");
    // Always one block through, so an object whose records are larger than its share still moves.
    if (feed.held != 0 && feed.held + held > feed_cap_bytes_) return false;
    feed.held += held;
    {
      std::lock_guard store_lock(store_->mutex);
      store_->waiting_bytes += held;
    }
    feed.blocks.push_back(std::move(block));
    // Waking costs a futex call a block (3-6% of a gzip read in perf): only when someone waits.
    if (!consumer_waiting_) return true;
  }
  blocks_.notify_all();
  return true;
}

std::optional<StageRecord> ReaderStage::next() {
  while (true) {
    if (cycle_.empty()) {
      std::lock_guard lock(mutex_);
      if (stopping_) throw StoppedError("channel \"" + channel_.name + "\": stopped");
      epoch_open_ = false;
      return std::nullopt;
    }
    Feed& feed = *feeds_[cycle_[cursor_]];
    if (feed.current && feed.next_record < feed.current->records.size()) {
      const Block::Entry& entry = feed.current->records[feed.next_record++];
      cursor_ = (cursor_ + 1) % cycle_.size();
      return StageRecord{std::span<const std::byte>(feed.current->bytes).subspan(entry.offset, entry.size),
                         entry.place, feed.object, &feed.current_lease};
    }
    // This object's block is spent: the next one, or the object's end. Its lease goes (the block
    // returns to the store once no unit borrows its records either).
    feed.current = nullptr;
    feed.current_lease.reset();
    const auto waited = Clock::now();
    std::unique_lock lock(mutex_);
    consumer_waiting_ = true;
    blocks_.wait(lock, [&] { return stopping_ || !feed.blocks.empty() || feed.done; });
    consumer_waiting_ = false;
    stats_.starved_seconds += seconds_since(waited);
    if (stopping_) throw StoppedError("channel \"" + channel_.name + "\": stopped");
    if (!feed.blocks.empty()) {
      std::unique_ptr<Block> block = std::move(feed.blocks.front());
      feed.blocks.pop_front();
      lend_current(feed, std::move(block));
      const bool idle = idle_threads_ > 0;
      lock.unlock();
      if (idle) task_ready_.notify_all();  // its task may have been parked for want of room
      continue;
    }
    if (feed.error) {
      const std::exception_ptr error = feed.error;
      lock.unlock();
      std::rethrow_exception(error);
    }
    // The object is read out: the next object of the order takes its turn, or the cycle shrinks.
    if (activated_ < feeds_.size()) {
      cycle_[cursor_] = activated_++;
      lock.unlock();
      task_ready_.notify_all();
    } else {
      cycle_.erase(cycle_.begin() + static_cast<std::ptrdiff_t>(cursor_));
      if (cursor_ >= cycle_.size()) cursor_ = 0;
    }
  }
}

std::size_t ReaderStage::bytes_held() const {
  const std::size_t blocks = store_->held();
  std::lock_guard lock(mutex_);
  // Blocks (waiting, taken and lent on, or kept for reuse), and what each open source keeps: its
  // reads in flight (queue depth 4) and a decompressed chunk, and, when it may read ahead, the
  // chunks it reads ahead and the one it lends, or the zstd frames it decodes ahead.
  return blocks + open_sources_ * 5 * chunk_bytes_ + open_read_ahead_sources_ * read_ahead_source_bytes_;
}

ReaderStageStats ReaderStage::stats() const {
  std::lock_guard lock(mutex_);
  ReaderStageStats stats = stats_;
  // The sources' helper threads (read ahead, zstd frames), counted as each source closes.
  stats.cpu_seconds += static_cast<double>(helper_cpu_->load()) * 1e-9;
  return stats;
}

}  // namespace chanload::pipeline
