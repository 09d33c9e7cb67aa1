// Large uncompressed objects cut into pieces that the reader stage frames in parallel, as if each
// were an object of its own. Every piece starts exactly at a record boundary, found once when the
// channel is planned:
// - lines: just after a newline;
// - CSV: just after a newline outside quotes. Whether a cut point lies inside a quoted field is the
//   parity of the quotes before it, so every object cut is counted once (its pieces in parallel),
//   which also gives each piece its first line number for messages;
// - RecordIO: at a record's header (or a split record's first part, cflag 1), found by walking the
//   headers from the object's start: a payload may hold the magic, and even a chain of plausible
//   headers, so no search from the cut point alone is exact.
// TFRecord and compressed objects are not cut (a compressed stream cannot be entered mid-way).
// The pieces depend on the data and piece_bytes only, never on the thread count, so the order of
// records stays a pure function of (data, shard, seed, epoch).
#pragma once

#include <chanload/environment.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "format/framer.h"
#include "io/channel_source.h"

namespace chanload::pipeline {

struct PiecePlan {
  std::uint64_t piece_bytes = 0;  // an object at least twice this is cut into pieces of about it; 0: never
  format::RecordFormat format = format::RecordFormat::kLines;
  format::FramerOptions framer;
  io::CompressionMode compression = io::CompressionMode::kAuto;
  std::size_t threads = 1;  // count quotes and lines of a CSV object's pieces in parallel
};

// objects with each large uncompressed one replaced by its pieces, in order: ranged objects
// [begin, end) of the same file, end to end, each knowing its first line (text formats). Objects
// already ranged (byte-range shards) are kept as they are. An IoError names a file that cannot be
// read.
std::vector<io::ChannelObject> cut_into_pieces(const ChannelConfig& channel,
                                               std::vector<io::ChannelObject> objects, const PiecePlan& plan);

}  // namespace chanload::pipeline
