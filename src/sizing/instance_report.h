// chanload bench --instances: the bench's measurements carried to the instance types of the table
// (instance_fit.h), as a table for people, JSON for programs, and a chart (--plot, matplotlib).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sizing/bench_run.h"
#include "sizing/instance_fit.h"
#include "sizing/instance_types.h"

namespace chanload::sizing {

// What the model takes from one bench run, for a demand per GPU.
FitInput fit_input_from(const BenchReport& report, double records_per_gpu_per_second,
                        std::size_t memory_budget_bytes, InputMode input_mode);

struct InstanceReport {
  std::string table_origin;
  std::string table_date;
  FitInput input;
  FitAssumptions assumptions;
  std::vector<InstanceFit> fits;
};

InstanceReport fit_instances(const BenchReport& report, const InstanceTable& table,
                             const std::string& pattern, double records_per_gpu_per_second,
                             std::size_t memory_budget_bytes, InputMode input_mode,
                             const FitAssumptions& assumptions);

nlohmann::json instances_json(const InstanceReport& report);
std::string instances_table(const InstanceReport& report);

// Draws deliverable records/s per instance type against each one's demand into path (a PNG) with
// python3 and matplotlib; a ConfigError saying what to install when either is missing, an Error
// with the script's message when it fails.
void plot_instances(const InstanceReport& report, const std::string& path);
// Whether --plot can draw here (the interpreter and matplotlib): the same errors, before measuring.
void check_plot_available();

}  // namespace chanload::sizing
