// What a loader has done so far, stage by stage; read at any time with Loader::stats().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace chanload {

struct StageStats {
  std::uint64_t bytes = 0;     // read: bytes of record payloads; decode: bytes of output values
  std::uint64_t records = 0;   // records handled by the stage
  double busy_seconds = 0;     // working (summed over the stage's threads)
  double starved_seconds = 0;  // waiting for input (the stage before it)
  double blocked_seconds = 0;  // waiting for room (the consumer has not taken enough batches)
  // CPU time the stage's threads used (summed): busy_seconds less the time other threads and
  // processes took the cores from them. What sizing divides by (chanload bench): on a machine
  // whose cores are all busy, busy_seconds counts the waits for a core as work.
  double cpu_seconds = 0;
};

struct LoaderStats {
  // The reader stage: reading, decompressing and framing (objects_in_flight threads, summed).
  // bytes: payloads framed (every shard's); records: this shard's (resumed_past included).
  StageStats read;
  // The batcher, the loader's one serial thread: shard rule, shuffle window, packing units.
  // records and bytes: this shard's; starved: waiting on the reader stage; blocked: on the batch
  // pool or the memory budget.
  StageStats batch;
  StageStats decode;               // the decode workers
  StageStats deliver;              // next(): starved_seconds is the time the consumer waited for a batch
  std::uint64_t batches = 0;       // delivered
  std::uint64_t rows = 0;          // delivered, padding excluded
  std::uint64_t bad_records = 0;   // skipped by the bad-record policy
  std::uint64_t skipped_rows = 0;  // CSV blank lines and header rows (not records)
  std::uint64_t records_seen = 0;  // data records framed, every shard's
  std::uint64_t resumed_past = 0;  // records read only to reach a resume state's position (in read)
  std::size_t memory_bytes = 0;    // held now: batch buffers, records in flight, shuffle window
  std::size_t peak_memory_bytes = 0;
  std::size_t batch_buffers = 0;  // in the pool
  // How mixed the delivered records are. order_correlation: Pearson's correlation of each record's
  // position in its epoch's delivery with its stored position (the channel's objects end to end in
  // natural order, by byte): 1 in stored order, near 0 well shuffled. objects_per_batch: the mean
  // number of distinct objects (files or FIFOs) a delivered batch's records come from.
  double order_correlation = 0;
  double objects_per_batch = 0;

  // One JSON object with the fields' names ("read": {"bytes": ...}, ..., "skipped_rows": ...): what
  // Loader.stats() returns in Python and chanload read --stats prints.
  [[nodiscard]] std::string to_json() const;
};

}  // namespace chanload
