#include <chanload/loader_stats.h>

#include <nlohmann/json.hpp>

namespace chanload {
namespace {

nlohmann::ordered_json stage_json(const StageStats& stage) {
  return {{"bytes", stage.bytes},
          {"records", stage.records},
          {"busy_seconds", stage.busy_seconds},
          {"starved_seconds", stage.starved_seconds},
          {"blocked_seconds", stage.blocked_seconds},
          {"cpu_seconds", stage.cpu_seconds}};
}

}  // namespace

std::string LoaderStats::to_json() const {
  const nlohmann::ordered_json json = {
      {"read", stage_json(read)},
      {"batch", stage_json(batch)},
      {"decode", stage_json(decode)},
      {"deliver", stage_json(deliver)},
      {"batches", batches},
      {"rows", rows},
      {"bad_records", bad_records},
      {"skipped_rows", skipped_rows},
      {"records_seen", records_seen},
      {"resumed_past", resumed_past},
      {"memory_bytes", memory_bytes},
      {"peak_memory_bytes", peak_memory_bytes},
      {"batch_buffers", batch_buffers},
      {"order_correlation", order_correlation},
      {"objects_per_batch", objects_per_batch},
  };
  return json.dump();
}

}  // namespace chanload
