// Which instance types keep their GPUs fed: the loader's costs measured on this machine, carried to
// each instance type of the table by a model whose assumptions are explicit (FitAssumptions) and
// whose error on this machine is measured (Sizing::model_error).
//
// On an instance with G GPUs the job runs P = max(G, 1) processes, each with its own loader. With
// record sharding (the default) every process reads, decompresses and frames every record and keeps
// its 1/P; with byte-range sharding (uncompressed File-mode CSV or lines) each reads only its share.
// A host's deliverable records/s is the lowest of these ceilings:
//   cores         the cores left to the loaders / (decode + k * (reader + batcher)) per record,
//                 k = P under record sharding, 1 under byte-range sharding
//   reader stage  one process's reader threads / reader cost (times P under byte-range sharding)
//   batcher       1 / batcher cost (times P under byte-range sharding)
//   network       FastFile and Pipe: the network share S3 fills / stored bytes per record
//   PCIe          G links' host-to-device share / decoded bytes per record
#pragma once

#include <chanload/environment.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "sizing/instance_types.h"
#include "sizing/sizing.h"

namespace chanload::sizing {

// How far another CPU's cores may run the loader from this machine's: the part of the confidence band
// that is not the model's error measured here.
inline constexpr double kCoreSpeedError = 0.3;

struct FitAssumptions {
  double hyperthread_weight = 0.5;  // a vCPU beyond the physical cores counts as this much of a core
  // Kept for each GPU's training process (its step loop, launches); a CPU instance keeps it for its
  // one training process.
  double training_cores_per_gpu = 1.0;
  double core_speed = 1.0;           // the instance's core against this machine's, for the loader
  double network_share = 0.6;        // of the instance's network bandwidth a stream from S3 fills
  double pcie_share = 0.8;           // of a PCIe link's bandwidth a pinned host-to-device copy gets
  double loader_memory_share = 0.5;  // of the instance's memory the loaders may hold together
};

struct FitInput {
  LoaderCosts costs;  // this machine's, per record
  double stored_bytes_per_record = 0;
  double decoded_row_bytes = 0;
  // The channel's TrainingInputMode on the instance. FastFile and Pipe stream from S3 as the records
  // are read (the network is a ceiling; File mode's data is on the instance before training); Pipe
  // mode gives a host one FIFO per channel and epoch.
  InputMode input_mode = InputMode::kFile;
  // Byte-range sharding applies (uncompressed CSV or lines, not Pipe mode: loader.cc refuses the rest).
  bool byte_range_shardable = false;
  std::size_t objects = 1;  // the channel's objects (a reader thread reads one at a time)
  // Large objects are framed in pieces (uncompressed CSV, lines or RecordIO, not Pipe mode:
  // pipeline/object_pieces.h), so the reader threads are not bounded by the objects.
  bool splittable = false;
  double records_per_gpu_per_second = 0;  // the demand; a CPU instance counts as one consumer
  std::size_t memory_budget_bytes = 0;    // one loader's (LoaderOptions::memory_budget_bytes)
  std::size_t prefetch_memory_bytes = 0;  // one loader's batch pool (Sizing::prefetch_memory_bytes)
  double model_error = 0;                 // the largest |model / measured - 1| on this machine
};

struct InstanceFit {
  InstanceType type;
  std::size_t processes = 1;
  std::string sharding;  // "record" or "byte range": the better of the two that apply
  double demand = 0;     // records/s for the whole host
  double deliverable = 0;
  double headroom = 0;  // deliverable / demand
  bool fed = false;
  std::string limit;  // the ceiling that sets deliverable
  std::vector<std::pair<std::string, double>> ceilings;
  double cores_available = 0;  // for the loaders, after the training processes' share
  double loader_cores = 0;     // the loaders' cores at the demand (or at deliverable when not fed)
  std::size_t decode_threads_per_process = 0;
  std::size_t reader_threads_per_process = 0;
  std::size_t loader_memory_bytes = 0;  // all processes' budgets together
  bool memory_fits = true;
  std::string confidence;  // "sure" or "marginal" (headroom within the assumptions' error)
  std::vector<std::string> notes;
};

InstanceFit fit_instance(const InstanceType& type, const FitInput& input, const FitAssumptions& assumptions);

// A PCIe link's bandwidth in bytes per second (per direction): 0.985, 1.969, 3.938 GB/s a lane for
// generations 3, 4 and 5 (128b/130b encoding).
double pcie_bytes_per_second(unsigned generation, unsigned lanes);

}  // namespace chanload::sizing
