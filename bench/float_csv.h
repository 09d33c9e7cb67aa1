// The benchmarks' CSV data and job trees. The CSV: float32 values printed with 7 significant digits (issue
// 4's data), rows of `columns` fields, at least `bytes` long, from a fixed seed so every run sees the same
// text.
#pragma once

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace chanload::bench {

inline std::string float_csv(std::size_t bytes, int columns) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> value(-1000, 1000);
  std::string out;
  char field[32];
  while (out.size() < bytes) {
    for (int c = 0; c < columns; ++c) {
      std::snprintf(field, sizeof field, c == 0 ? "%.7g" : ",%.7g", static_cast<double>(value(rng)));
      out += field;
    }
    out += '\n';
  }
  return out;
}

// A job tree under the temporary directory with `csv` as the one file of a File-mode CSV channel
// "train" (label first), for the benchmarks that run the loader.
inline std::filesystem::path csv_job(const std::string& name, const std::string& csv) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / name;
  std::filesystem::create_directories(dir / "input/config");
  std::filesystem::create_directories(dir / "input/data/train");
  std::ofstream(dir / "input/config/inputdataconfig.json")
      << R"({"train": {"ContentType": "text/csv;label_size=1", "TrainingInputMode": "File"}})";
  std::ofstream(dir / "input/data/train/data.csv", std::ios::binary) << csv;
  return dir;
}

}  // namespace chanload::bench
