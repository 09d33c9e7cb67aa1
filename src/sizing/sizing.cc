#include "sizing/sizing.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <utility>

namespace chanload::sizing {
namespace {

std::string rate_text(double records_per_second) {
  char text[48];
  if (records_per_second >= 1e6) {
    std::snprintf(text, sizeof text, "%.2f M records/s", records_per_second / 1e6);
  } else if (records_per_second >= 1e4) {
    std::snprintf(text, sizeof text, "%.1f k records/s", records_per_second / 1e3);
  } else {
    std::snprintf(text, sizeof text, "%.0f records/s", records_per_second);
  }
  return text;
}

// The slowest of the serial stages, by name.
std::string slowest_serial_stage(const StageRates& rates, const LoaderCosts& costs) {
  if (costs.measured_in_loader) {
    const double reader = static_cast<double>(costs.reader_threads) / costs.reader;
    return costs.batcher > 0 && 1 / costs.batcher < reader ? "batcher" : "reader stage";
  }
  std::vector<std::pair<double, std::string>> stages = {{rates.read, "read"}, {rates.frame, "frame"}};
  if (rates.decompress) stages.emplace_back(*rates.decompress, "decompress");
  return std::min_element(stages.begin(), stages.end())->second;
}

double serial_ceiling(const LoaderCosts& costs) {
  const double reader = static_cast<double>(std::max<std::size_t>(costs.reader_threads, 1)) / costs.reader;
  return costs.batcher > 0 ? std::min(reader, 1 / costs.batcher) : reader;
}

}  // namespace

double model_records_per_second(const LoaderCosts& costs, double cores, std::size_t decode_threads) {
  const double per_record = costs.reader + costs.batcher + costs.decode;
  return std::min(
      {static_cast<double>(decode_threads) / costs.decode, serial_ceiling(costs), cores / per_record});
}

LoaderCosts costs_of(const StageRates& rates) {
  if (rates.costs) return *rates.costs;
  LoaderCosts costs;
  costs.reader = 1 / rates.read + 1 / rates.frame;
  if (rates.decompress) costs.reader += 1 / *rates.decompress;
  costs.decode = 1 / rates.decode.front();
  return costs;
}

Sizing size_loader(const StageRates& rates, const SizingTarget& target) {
  if (rates.decode.empty() || rates.end_to_end.empty() || rates.read <= 0 || rates.frame <= 0 ||
      rates.decode.front() <= 0 || (rates.decompress && *rates.decompress <= 0) ||
      (rates.costs && (rates.costs->reader <= 0 || rates.costs->decode <= 0 || rates.costs->batcher < 0))) {
    throw std::invalid_argument("sizing needs positive read, frame, decode and end-to-end rates");
  }
  Sizing sizing;
  sizing.costs = costs_of(rates);
  const LoaderCosts& costs = sizing.costs;
  sizing.serial_records_per_second = serial_ceiling(costs);
  sizing.decode_records_per_second_per_core = 1 / costs.decode;
  const double serial_cores_per_record = costs.reader + costs.batcher;
  const double cores_per_record = serial_cores_per_record + costs.decode;
  const double cores = static_cast<double>(std::max<std::size_t>(rates.cores, 1));
  sizing.model_max_records_per_second = std::min(cores / cores_per_record, sizing.serial_records_per_second);
  const auto best = std::max_element(rates.end_to_end.begin(), rates.end_to_end.end());
  sizing.measured_best_records_per_second = *best;
  sizing.measured_best_threads = static_cast<std::size_t>(best - rates.end_to_end.begin()) + 1;
  sizing.prefetch_memory_bytes = (rates.prefetch_batches + 1) * rates.batch_size * rates.decoded_row_bytes;
  for (std::size_t t = 1; t <= rates.end_to_end.size(); ++t) {
    const double measured = rates.end_to_end[t - 1];
    sizing.model_error.push_back(measured > 0 ? model_records_per_second(costs, cores, t) / measured - 1 : 0);
  }

  std::optional<double> wanted = target.records_per_second;
  if (!wanted && target.gpus > 0)
    wanted = static_cast<double>(target.gpus) * target.records_per_gpu_per_second;
  if (!wanted) {
    sizing.limiting_stage = sizing.model_max_records_per_second >= sizing.serial_records_per_second
                                ? slowest_serial_stage(rates, costs)
                                : "decode";
    sizing.advice.push_back(
        "This machine sustains about " + rate_text(sizing.model_max_records_per_second) + " by the model (" +
        rate_text(sizing.measured_best_records_per_second) + " measured with " +
        std::to_string(sizing.measured_best_threads) + " decode thread(s)); each decode core adds " +
        rate_text(sizing.decode_records_per_second_per_core) + ", up to one loader's ceiling of " +
        rate_text(sizing.serial_records_per_second) + ".");
    return sizing;
  }

  const double r = *wanted;
  sizing.target_records_per_second = r;
  const auto loaders = static_cast<std::size_t>(std::ceil(r / sizing.serial_records_per_second));
  sizing.loaders_needed = std::max<std::size_t>(loaders, 1);
  sizing.cores_needed = r * cores_per_record;
  sizing.decode_threads_needed =
      static_cast<std::size_t>(std::ceil(r / sizing.decode_records_per_second_per_core - 1e-9));
  sizing.target_fits_this_machine = *sizing.loaders_needed == 1 && *sizing.cores_needed <= cores;
  sizing.limiting_stage =
      r > sizing.serial_records_per_second ? slowest_serial_stage(rates, costs) : "decode";
  char cores_text[32];
  std::snprintf(cores_text, sizeof cores_text, *sizing.cores_needed < 10 ? "%.2f" : "%.1f",
                *sizing.cores_needed);
  sizing.advice.push_back(rate_text(r) + " needs " + cores_text + " cores for the loader (" +
                          std::to_string(*sizing.decode_threads_needed) +
                          " decode thread(s), the reader stage and the batcher), " +
                          "besides the cores the training itself uses.");
  if (*sizing.loaders_needed > 1) {
    sizing.advice.push_back("One loader tops out at " + rate_text(sizing.serial_records_per_second) +
                            " (limited by " + sizing.limiting_stage + "): split the channel among " +
                            std::to_string(*sizing.loaders_needed) +
                            " loaders (processes) with shard_by_byte_range, so each reads only its share, "
                            "or store the data in a form that is cheaper to read.");
  } else if (!sizing.target_fits_this_machine) {
    sizing.advice.push_back(
        "This machine has " + std::to_string(rates.cores) + " cores: choose an instance with at least " +
        std::to_string(static_cast<std::size_t>(std::ceil(*sizing.cores_needed))) + " for the loader alone.");
  }
  if (rates.decoded_row_bytes > 0) {
    const double per_gpu = target.gpus > 0 ? r / static_cast<double>(target.gpus) : r;
    sizing.h2d_bytes_per_second_per_gpu = per_gpu * static_cast<double>(rates.decoded_row_bytes);
    if (rates.h2d_pinned_bytes_per_second && *rates.h2d_pinned_bytes_per_second > 0) {
      sizing.h2d_share_of_pinned_bandwidth =
          *sizing.h2d_bytes_per_second_per_gpu / *rates.h2d_pinned_bytes_per_second;
    }
  }
  return sizing;
}

}  // namespace chanload::sizing
