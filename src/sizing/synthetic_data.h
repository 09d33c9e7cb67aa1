// Generated channels for chanload bench: rows of float32 values in one of the formats SageMaker jobs
// carry, split across files, stored as they would be (plain, gzip or zstd), from a fixed seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "format/data_format.h"

namespace chanload::sizing {

enum class StoredCompression { kNone, kGzip, kZstd };

struct SyntheticSpec {
  format::DataFormat format = format::DataFormat::kCsv;  // csv, recordio-protobuf or tfrecord
  std::uint64_t rows = 200000;
  std::size_t columns = 33;  // values per row, the label (first column) included
  StoredCompression compression = StoredCompression::kNone;
  std::size_t files = 4;  // the rows split as evenly as they go
};

struct SyntheticData {
  std::vector<std::string> files;  // in natural order
  std::string content_type;        // what the channel's ContentType would say
  std::uint64_t records = 0;
  std::uint64_t stored_bytes = 0;  // on disk (compressed when compressed)
  std::uint64_t bytes = 0;         // the formats' own bytes (decompressed)
};

// Writes the files under folder (created; its files part-NNNNN.* replaced). ConfigError for a
// format it does not generate or a spec with no rows, columns or files.
SyntheticData write_synthetic_channel(const SyntheticSpec& spec, const std::filesystem::path& folder);

std::string_view to_string(StoredCompression compression);

// data stored as compression says: itself, one gzip member, or one zstd frame (level 3).
std::string compress(const std::string& data, StoredCompression compression);
// What the first bytes say, as the loader decides (gzip 1f 8b, zstd 28 b5 2f fd, else none).
StoredCompression detect_compression(std::string_view stored);

}  // namespace chanload::sizing
