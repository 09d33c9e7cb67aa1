#include "sizing/synthetic_data.h"

#include <chanload/errors.h>
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <span>

#include "format/record_writers.h"
#include "io/gzip_writer.h"

namespace chanload::sizing {
namespace {

std::string extension(format::DataFormat format, StoredCompression compression) {
  std::string ext = format == format::DataFormat::kCsv                ? ".csv"
                    : format == format::DataFormat::kRecordIOProtobuf ? ".pbr"
                                                                      : ".tfrecord";
  if (compression == StoredCompression::kGzip) ext += ".gz";
  if (compression == StoredCompression::kZstd) ext += ".zst";
  return ext;
}

}  // namespace

std::string compress(const std::string& data, StoredCompression compression) {
  switch (compression) {
    case StoredCompression::kNone:
      return data;
    case StoredCompression::kGzip: {
      std::string out;
      io::GzipWriter gzip([&](std::span<const std::byte> bytes) {
        out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      });
      gzip.write(std::as_bytes(std::span(data)));
      gzip.finish_member();
      return out;
    }
    case StoredCompression::kZstd: {
      std::string out(ZSTD_compressBound(data.size()), '\0');
      const std::size_t size = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
      if (ZSTD_isError(size) != 0U) throw Error(std::string("zstd: ") + ZSTD_getErrorName(size));
      out.resize(size);
      return out;
    }
  }
  return data;
}

StoredCompression detect_compression(std::string_view stored) {
  if (stored.size() >= 2 && stored[0] == '\x1f' && stored[1] == '\x8b') return StoredCompression::kGzip;
  if (stored.size() >= 4 && stored.substr(0, 4) == std::string_view("\x28\xb5\x2f\xfd", 4))
    return StoredCompression::kZstd;
  return StoredCompression::kNone;
}

std::string_view to_string(StoredCompression compression) {
  switch (compression) {
    case StoredCompression::kNone:
      return "none";
    case StoredCompression::kGzip:
      return "gzip";
    case StoredCompression::kZstd:
      return "zstd";
  }
  return "none";
}

SyntheticData write_synthetic_channel(const SyntheticSpec& spec, const std::filesystem::path& folder) {
  using format::DataFormat;
  if (spec.format != DataFormat::kCsv && spec.format != DataFormat::kRecordIOProtobuf &&
      spec.format != DataFormat::kTFRecord) {
    throw ConfigError("synthetic data is csv, recordio-protobuf or tfrecord, not " +
                      std::string(format::to_string(spec.format)));
  }
  if (spec.rows == 0 || spec.columns < 2 || spec.files == 0) {
    throw ConfigError("synthetic data needs rows >= 1, columns >= 2 (a label and a feature) and files >= 1");
  }
  std::filesystem::create_directories(folder);
  SyntheticData data;
  data.content_type = spec.format == DataFormat::kCsv                ? "text/csv;label_size=1"
                      : spec.format == DataFormat::kRecordIOProtobuf ? "application/x-recordio-protobuf"
                                                                     : "application/x-tfrecord";
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> value(-1000, 1000);
  std::vector<float> row(spec.columns);
  const std::size_t files = static_cast<std::size_t>(std::min<std::uint64_t>(spec.files, spec.rows));
  std::string records;
  for (std::size_t f = 0; f < files; ++f) {
    const std::uint64_t first = spec.rows * f / files;
    const std::uint64_t end = spec.rows * (f + 1) / files;
    records.clear();
    for (std::uint64_t r = first; r < end; ++r) {
      row[0] = static_cast<float>(r % 2);  // a class label
      for (std::size_t c = 1; c < spec.columns; ++c) row[c] = value(rng);
      const std::span<const float> values(row);
      switch (spec.format) {
        case DataFormat::kCsv:
          format::append_csv_row(records, values);
          break;
        case DataFormat::kRecordIOProtobuf: {
          std::string message;
          format::append_dense_record_protobuf(message, values.subspan(1), values.first(1));
          format::append_recordio(records, std::as_bytes(std::span(message)));
          break;
        }
        default:  // TFRecord payloads: the row's float32 values (chanload hands TFRecord payloads out raw)
          format::append_tfrecord(records, std::as_bytes(values));
          break;
      }
    }
    char name[32];
    std::snprintf(name, sizeof name, "part-%05zu", f);
    const std::filesystem::path path = folder / (name + extension(spec.format, spec.compression));
    const std::string stored = compress(records, spec.compression);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(stored.data(), static_cast<std::streamsize>(stored.size()));
    if (!out) throw IoError(path.string() + ": cannot write", path.string());
    data.files.push_back(path.string());
    data.records += end - first;
    data.bytes += records.size();
    data.stored_bytes += stored.size();
  }
  return data;
}

}  // namespace chanload::sizing
