#include "sizing/sample_cut.h"

#include <chanload/errors.h>

#include <fstream>
#include <span>
#include <string_view>

#include "format/record_reader.h"
#include "io/decompress.h"
#include "io/memory_chunks.h"
#include "sizing/memory_stream.h"
#include "sizing/synthetic_data.h"

namespace chanload::sizing {
namespace {

std::string read_prefix(const std::string& path, std::uint64_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot open", path);
  std::string bytes(max_bytes, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(max_bytes));
  if (in.bad()) throw IoError(path + ": read failed", path);
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

// The decompressed bytes a cut-off compressed prefix holds, at most max_bytes of them (data that
// compresses very well must not expand without bound). The decompressor delivers everything it can
// decode before it reports the truncation at the prefix's end, which is expected here; an error
// before the end is corruption, and is rethrown. (Corruption that only a checksum at the end of a
// gzip member would reveal goes unnoticed in a cut; the stages still decode every record kept.)
std::string decompress_prefix(const std::string& prefix, const std::string& path, std::uint64_t max_bytes) {
  const auto source =
      io::decompressing(memory_source(prefix, path), io::CompressionMode::kAuto, std::size_t{1} << 20);
  std::string out;
  try {
    while (out.size() < max_bytes) {
      const auto piece = source->next();
      if (piece.empty()) break;
      out.append(reinterpret_cast<const char*>(piece.data()), piece.size());
    }
  } catch (const DataError& error) {
    if (error.offset() < prefix.size()) throw;
  }
  return out;
}

// The end of the last complete record in data (0: none), framed by the loader's RecordReader. The
// stream ends without its end-of-stream marker, so a record the cut leaves unfinished is simply not
// read; a record the framer refuses is a DataError naming the file and the record's (decompressed)
// offset.
std::size_t end_of_complete_records(std::string_view data, const std::string& path,
                                    format::RecordFormat format,
                                    const format::FramerOptions& framer_options) {
  io::MemoryChunks chunks({io::MemoryStream{data, &path}}, std::size_t{1} << 20, /*mark_ends=*/false);
  format::RecordReader reader(chunks, format, framer_options);
  while (reader.next()) {
  }
  return reader.end_of_last_record();
}

}  // namespace

std::optional<CutFile> write_cut_file(const std::string& path, std::uint64_t max_stored_bytes,
                                      format::RecordFormat format,
                                      const format::FramerOptions& framer_options,
                                      const std::filesystem::path& out) {
  const std::string prefix = read_prefix(path, max_stored_bytes);
  const StoredCompression compression = detect_compression(prefix);
  // Decompressed, at most this many times the stored bytes: far above what gzip or zstd reach on
  // training data, low enough that a sample stays a sample.
  constexpr std::uint64_t kMaxExpansion = 16;
  std::string records = compression == StoredCompression::kNone
                            ? prefix
                            : decompress_prefix(prefix, path, kMaxExpansion * max_stored_bytes);
  records.resize(end_of_complete_records(records, path, format, framer_options));
  if (records.empty()) return std::nullopt;
  const std::string stored = compress(records, compression);
  std::filesystem::create_directories(out.parent_path());
  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  file.write(stored.data(), static_cast<std::streamsize>(stored.size()));
  file.close();
  if (!file) throw IoError(out.string() + ": cannot write the cut sample", out.string());
  return CutFile{stored.size(), records.size()};
}

}  // namespace chanload::sizing
