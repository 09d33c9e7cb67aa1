// chanload bench's output: a table for people and a JSON report for programs.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "sizing/bench_run.h"

namespace chanload::sizing {

// {"machine", "data", "stages": {"read", "decompress", "frame", "decode", "end_to_end", "h2d"},
// "sizing"}: each stage with bytes_per_second and records_per_second (decode and end_to_end at their
// best thread count, with by_threads for each); decompress and h2d are null when not measured.
nlohmann::json report_json(const BenchReport& report);

// The same, as aligned text.
std::string report_table(const BenchReport& report);

// A figure with an SI prefix for the tables: "1.25 GB/s", "3.4 Mrec/s"; "-" when not finite.
std::string si(double value, const char* unit);

}  // namespace chanload::sizing
