// A file too large for chanload bench's sample, cut down to it. The benchmark holds its sample in
// memory and its disk stages read the same files, so a 100 GB object must not be taken whole: its
// first bytes are decompressed as far as they go, cut after the last complete record, and stored
// again as the original was (plain, gzip or zstd), so every stage measures the same records.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "format/framer.h"

namespace chanload::sizing {

struct CutFile {
  std::uint64_t stored_bytes = 0;  // of the cut file
  std::uint64_t bytes = 0;         // its records' bytes, decompressed
};

// Writes to out the complete records that the first max_stored_bytes of path hold, stored with the
// compression path has. nullopt when not one record fits. A DataError names path and the offset of
// data that is corrupt (not merely cut off); an IoError, a file that cannot be read or written.
std::optional<CutFile> write_cut_file(const std::string& path, std::uint64_t max_stored_bytes,
                                      format::RecordFormat format,
                                      const format::FramerOptions& framer_options,
                                      const std::filesystem::path& out);

}  // namespace chanload::sizing
