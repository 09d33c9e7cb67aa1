// Host-to-device throughput of the loader beside its reference, in one binary: a plain loop of
// cudaMemcpyAsync from pinned memory of the same batch size (the target: the loader keeps
// >= 0.9x of it), and pageable memory for contrast. The loader runs over a File-mode CSV channel
// with device = "cuda:0" and the consumer synchronises on every batch's event, so each iteration is
// decode + copy, end to end. Without a GPU (or a CUDA build) every benchmark reports why and skips.
#include <benchmark/benchmark.h>
#include <chanload/loader.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "float_csv.h"
#include "memory/cuda_device.h"

#ifdef CHANLOAD_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

namespace {

using namespace chanload;

constexpr int kColumns = 785;  // MNIST-sized rows: a label and 784 features
constexpr std::size_t kBatch = 1024;

bool skip_without_gpu(benchmark::State& state) {
  const memory::CudaAvailability cuda = memory::probe_cuda();
  if (cuda.device_count > 0) return false;
  state.SkipWithError(("no CUDA device: " + cuda.reason).c_str());
  return true;
}

#ifdef CHANLOAD_HAVE_CUDA
// cudaMemcpyAsync of batch-sized blocks on one stream, one event per batch as the loader does.
void copy_loop(benchmark::State& state, bool pinned) {
  if (skip_without_gpu(state)) return;
  const std::size_t bytes = kBatch * kColumns * sizeof(float);
  void* host = nullptr;
  std::vector<std::byte> pageable;
  if (pinned) {
    cudaMallocHost(&host, bytes);
  } else {
    pageable.resize(bytes);
    host = pageable.data();
  }
  void* device = nullptr;
  cudaMalloc(&device, bytes);
  cudaStream_t stream = nullptr;
  cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
  cudaEvent_t event = nullptr;
  cudaEventCreateWithFlags(&event, cudaEventDisableTiming);
  for (auto _ : state) {
    cudaMemcpyAsync(device, host, bytes, cudaMemcpyHostToDevice, stream);
    cudaEventRecord(event, stream);
    cudaEventSynchronize(event);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
  cudaEventDestroy(event);
  cudaStreamDestroy(stream);
  cudaFree(device);
  if (pinned) cudaFreeHost(host);
}
#else
void copy_loop(benchmark::State& state, bool) { skip_without_gpu(state); }
#endif

void BM_CudaMemcpyAsyncPinned(benchmark::State& state) { copy_loop(state, true); }
void BM_CudaMemcpyAsyncPageable(benchmark::State& state) { copy_loop(state, false); }
BENCHMARK(BM_CudaMemcpyAsyncPinned)->UseRealTime();
BENCHMARK(BM_CudaMemcpyAsyncPageable)->UseRealTime();

const std::filesystem::path& job_root() {
  static const std::filesystem::path root =
      bench::csv_job("chanload-h2d-bench", bench::float_csv(std::size_t{256} << 20, kColumns));
  return root;
}

// The loader's own copies: batches of the same size, the consumer waiting on each batch's event.
void BM_LoaderToDevice(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  EnvironmentOptions env_options;
  env_options.root = job_root();
  env_options.probe_devices = false;
  const Environment environment = Environment::load(env_options);
  LoaderOptions options;
  options.batch_size = kBatch;
  options.device = "cuda:0";
  options.epochs = 0;  // until stopped: the benchmark decides how many batches
  options.last_batch = LastBatch::kDrop;
  Loader loader(environment, "train", options);
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto batch = loader.next();
    batch->synchronize();
    bytes += batch->rows() * (batch->columns() + batch->label_size()) * sizeof(float);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_LoaderToDevice)->UseRealTime();

}  // namespace
