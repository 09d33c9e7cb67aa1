#include "sizing/instance_fit.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace chanload::sizing {
namespace {

constexpr double kUnbounded = std::numeric_limits<double>::infinity();

std::string percent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f%%", share * 100);
  return text;
}

struct Plan {
  std::string sharding;
  std::vector<std::pair<std::string, double>> ceilings;
  double per_record_cpu = 0;  // host cores per record/s
  double read_share = 1;      // of the host's records each process reads
};

// One sharding's ceilings for the host. k: how many processes read each record.
Plan plan_for(const InstanceType& type, const FitInput& input, const FitAssumptions& assumptions,
              std::size_t processes, bool byte_range, double cores_available, std::size_t reader_threads) {
  const LoaderCosts& c = input.costs;
  const double p = static_cast<double>(processes);
  const double k = byte_range ? 1 : p;
  const double speed = assumptions.core_speed;
  Plan plan;
  plan.sharding = byte_range ? "byte range" : "record";
  plan.read_share = byte_range ? 1 / p : 1;
  plan.per_record_cpu = (c.decode + k * (c.reader + c.batcher)) / speed;
  plan.ceilings.emplace_back("cores", cores_available > 0 ? cores_available / plan.per_record_cpu : 0);
  plan.ceilings.emplace_back("reader stage",
                             static_cast<double>(reader_threads) * speed / c.reader / plan.read_share);
  plan.ceilings.emplace_back("batcher", c.batcher > 0 ? speed / c.batcher / plan.read_share : kUnbounded);
  // FastFile: the processes of a host read the same objects through one page cache, so each byte
  // crosses the network once per host whatever the sharding.
  if (input.input_mode != InputMode::kFile && input.stored_bytes_per_record > 0) {
    plan.ceilings.emplace_back(
        "network", type.network_gbps * 1e9 / 8 * assumptions.network_share / input.stored_bytes_per_record);
  }
  if (type.gpus > 0 && type.pcie_gen > 0 && input.decoded_row_bytes > 0) {
    plan.ceilings.emplace_back("PCIe", static_cast<double>(type.gpus) *
                                           pcie_bytes_per_second(type.pcie_gen, type.pcie_lanes) *
                                           assumptions.pcie_share / input.decoded_row_bytes);
  }
  return plan;
}

double lowest(const Plan& plan, std::string* name) {
  const auto it = std::min_element(plan.ceilings.begin(), plan.ceilings.end(),
                                   [](const auto& a, const auto& b) { return a.second < b.second; });
  if (name != nullptr) *name = it->first;
  return it->second;
}

}  // namespace

double pcie_bytes_per_second(unsigned generation, unsigned lanes) {
  double per_lane = 0;
  switch (generation) {
    case 1:
      per_lane = 0.25e9;
      break;
    case 2:
      per_lane = 0.5e9;
      break;
    case 3:
      per_lane = 0.985e9;
      break;
    case 4:
      per_lane = 1.969e9;
      break;
    default:
      per_lane = generation >= 5 ? 3.938e9 * std::pow(2.0, generation - 5.0) : 0;
  }
  return per_lane * lanes;
}

InstanceFit fit_instance(const InstanceType& type, const FitInput& input, const FitAssumptions& assumptions) {
  InstanceFit fit;
  fit.type = type;
  fit.processes = std::max<std::size_t>(type.gpus, 1);
  fit.demand = input.records_per_gpu_per_second * static_cast<double>(fit.processes);
  const double vcpus = static_cast<double>(type.vcpus);
  const double physical = static_cast<double>(type.physical_cores);
  const double effective_cores = physical + assumptions.hyperthread_weight * (vcpus - physical);
  fit.cores_available = std::max(
      0.0, effective_cores - assumptions.training_cores_per_gpu * static_cast<double>(fit.processes));
  // The loader's default reader threads: one per core, at most 8, each process its share of the
  // cores; no more than the objects, unless they are cut into pieces; Pipe mode's one FIFO, one.
  const bool pipe = input.input_mode == InputMode::kPipe;
  const std::size_t per_process_cores = std::max<std::size_t>(
      1, static_cast<std::size_t>(fit.cores_available / static_cast<double>(fit.processes)));
  std::size_t reader_threads = std::min<std::size_t>(per_process_cores, 8);
  if (!input.splittable) reader_threads = std::min(reader_threads, std::max<std::size_t>(input.objects, 1));
  if (pipe) reader_threads = 1;

  Plan best = plan_for(type, input, assumptions, fit.processes, false, fit.cores_available, reader_threads);
  const bool byte_range_possible = fit.processes > 1 && input.byte_range_shardable && !pipe;
  if (byte_range_possible) {
    Plan by_range =
        plan_for(type, input, assumptions, fit.processes, true, fit.cores_available, reader_threads);
    if (lowest(by_range, nullptr) > lowest(best, nullptr) * 1.05) best = by_range;
  }
  fit.sharding = best.sharding;
  fit.ceilings = best.ceilings;
  fit.deliverable = lowest(best, &fit.limit);
  fit.headroom = fit.demand > 0 ? fit.deliverable / fit.demand : 0;
  fit.fed = fit.demand > 0 && fit.deliverable >= fit.demand;
  const double rate = std::min(fit.demand, fit.deliverable);
  fit.loader_cores = rate * best.per_record_cpu;
  const double per_process = rate / static_cast<double>(fit.processes);
  fit.decode_threads_per_process = static_cast<std::size_t>(
      std::max(1.0, std::ceil(per_process * input.costs.decode / assumptions.core_speed - 1e-9)));
  const double read_per_process = rate * best.read_share;
  fit.reader_threads_per_process = std::min<std::size_t>(
      reader_threads,
      static_cast<std::size_t>(
          std::max(1.0, std::ceil(read_per_process * input.costs.reader / assumptions.core_speed - 1e-9))));
  fit.loader_memory_bytes = fit.processes * input.memory_budget_bytes;
  fit.memory_fits = static_cast<double>(fit.loader_memory_bytes) <=
                    type.memory_gib * 1073741824.0 * assumptions.loader_memory_share;

  // Sure when the headroom clears the per-core assumption's error and the model's own on this machine.
  const double band = kCoreSpeedError + input.model_error;
  fit.confidence = fit.headroom >= 1 + band || fit.headroom <= 1 / (1 + band) ? "sure" : "marginal";

  if (pipe && fit.processes > 1) {
    // Not a rate: the job as laid out does not run (the ranks would split one FIFO's bytes).
    fit.fed = false;
    fit.deliverable = 0;
    fit.headroom = 0;
    fit.confidence = "sure";
    fit.limit = "Pipe mode, " + std::to_string(fit.processes) + " processes";
    fit.notes.push_back(
        "Pipe mode gives each host one FIFO per channel and epoch: " + std::to_string(fit.processes) +
        " processes cannot share it until one reader per host hands them their records "
        "(the host fan-out); use File or FastFile mode, or one process per host.");
  }
  if (type.gpus > 0 && type.pcie_gen == 0) {
    fit.notes.push_back("the host-to-accelerator link is not in the table: not modelled");
  }
  if (fit.cores_available <= 0) {
    fit.notes.push_back("no cores left for the loader after " + percent(assumptions.training_cores_per_gpu) +
                        " of a core per GPU for training");
  }
  if (!fit.memory_fits) {
    fit.notes.push_back(std::to_string(fit.processes) + " loaders with a budget of " +
                        std::to_string(input.memory_budget_bytes >> 20) + " MiB each hold more than " +
                        percent(assumptions.loader_memory_share) + " of the instance's memory: lower it");
  }
  return fit;
}

}  // namespace chanload::sizing
