// The benchmarks' CSV: float32 values printed with 7 significant digits (issue 4's data), rows of
// `columns` fields, at least `bytes` long, from a fixed seed so every run sees the same text.
#pragma once

#include <cstddef>
#include <cstdio>
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

}  // namespace chanload::bench
