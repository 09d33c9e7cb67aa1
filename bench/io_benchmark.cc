// The readers and the pinned pool, each beside the plain system call loop that bounds it in the same
// binary: a File-mode file through io_uring and through pread against read(2) into one buffer; a FIFO
// through chanload's reader against read(2) of the same pipe; and a batch slot from the pool against
// allocating a host buffer each batch; and a channel of many files through ChannelSource against
// a read(2) loop over the same files, where what a reader costs per file shows. Bytes per second
// throughout.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <chanload/environment.h>

#include "io/channel_source.h"
#include "io/fifo_source.h"
#include "io/file_source.h"
#include "memory/host_buffer.h"
#include "pipeline/batch_pool.h"

namespace {

using namespace chanload;

constexpr std::size_t kFileBytes = std::size_t{64} << 20;

// A 64 MiB file, written once and left in the page cache: the readers' cost, not the disk's.
const std::string& data_file() {
  static const std::string path = [] {
    const auto file = std::filesystem::temp_directory_path() / "chanload_bench_io.bin";
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    const std::string block(std::size_t{1} << 20, 'x');
    for (std::size_t i = 0; i < kFileBytes / block.size(); ++i) out << block;
    return file.string();
  }();
  return path;
}

// The reference loop: open path, read(2) it to the end into buffer, close; the bytes read.
std::size_t read_to_end(const std::string& path, std::vector<char>& buffer) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  std::size_t bytes = 0;
  for (ssize_t n = ::read(fd, buffer.data(), buffer.size()); n > 0;
       n = ::read(fd, buffer.data(), buffer.size())) {
    bytes += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return bytes;
}

void file_source(benchmark::State& state, io::IoBackend backend) {
  io::FileReadOptions options;
  options.backend = backend;
  options.cache = std::make_shared<io::ReaderCache>();  // as a channel's reader keeps one
  for (auto _ : state) {
    const auto source = io::open_file_source(data_file(), options);
    std::size_t bytes = 0;
    for (auto piece = source->next(); !piece.empty(); piece = source->next()) bytes += piece.size();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kFileBytes));
}
BENCHMARK_CAPTURE(file_source, io_uring, io::IoBackend::kIoUring)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(file_source, pread, io::IoBackend::kPread)->Unit(benchmark::kMillisecond);

// The reference: read(2) of the same file into one 1 MiB buffer.
void file_read_loop(benchmark::State& state) {
  std::vector<char> buffer(std::size_t{1} << 20);
  for (auto _ : state) {
    const std::size_t bytes = read_to_end(data_file(), buffer);
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kFileBytes));
}
BENCHMARK(file_read_loop)->Unit(benchmark::kMillisecond);

// 64 MiB through a FIFO from a writer thread, read by chanload's FIFO reader or by a read(2) loop.
void fifo(benchmark::State& state, bool chanload_reader) {
  const std::string path = (std::filesystem::temp_directory_path() / "chanload_bench_fifo").string();
  const std::string block(std::size_t{1} << 20, 'y');
  std::vector<char> buffer(std::size_t{1} << 20);
  for (auto _ : state) {
    ::unlink(path.c_str());
    ::mkfifo(path.c_str(), 0600);
    std::thread writer([&] {
      const int fd = ::open(path.c_str(), O_WRONLY);
      (void)::fcntl(fd, F_SETPIPE_SZ, static_cast<int>(io::pipe_max_size()));
      for (std::size_t i = 0; i < kFileBytes / block.size(); ++i) {
        for (std::size_t done = 0; done < block.size();) {
          const ssize_t n = ::write(fd, block.data() + done, block.size() - done);
          if (n <= 0) break;
          done += static_cast<std::size_t>(n);
        }
      }
      ::close(fd);
    });
    std::size_t bytes = 0;
    if (chanload_reader) {
      const auto source = io::open_fifo_source(path, io::FifoReadOptions{});
      for (auto piece = source->next(); !piece.empty(); piece = source->next()) bytes += piece.size();
    } else {
      bytes = read_to_end(path, buffer);
    }
    writer.join();
    benchmark::DoNotOptimize(bytes);
  }
  ::unlink(path.c_str());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kFileBytes));
}
BENCHMARK_CAPTURE(fifo, chanload_reader, true)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(fifo, read_loop, false)->Unit(benchmark::kMillisecond)->UseRealTime();

// A batch buffer (1024 rows of 785 float32, MNIST-sized) from the pool, filled, and given back;
// beside allocating (and first-touching) a fresh host buffer for every batch, what a pool avoids.
constexpr std::size_t kRows = 1024;
constexpr std::size_t kColumns = 785;

void pool_slot(benchmark::State& state) {
  pipeline::SlotLayout layout;
  layout.batch_size = kRows;
  layout.columns = kColumns;
  layout.label_size = 1;
  layout.pinned = true;
  const auto pool = std::make_shared<pipeline::BatchPool>(layout, 4, nullptr);
  for (auto _ : state) {
    pipeline::BatchSlot* slot = pool->acquire();
    std::fill_n(slot->feature_row<float>(0, kColumns), kRows * kColumns, 1.0F);
    pool->release(slot);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kRows * kColumns * sizeof(float)));
}
BENCHMARK(pool_slot);

void fresh_buffer(benchmark::State& state) {
  for (auto _ : state) {
    const memory::HostBuffer buffer(kRows * kColumns * sizeof(float), false);
    std::fill_n(reinterpret_cast<float*>(buffer.data()), kRows * kColumns, 1.0F);
    benchmark::DoNotOptimize(buffer.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kRows * kColumns * sizeof(float)));
}
BENCHMARK(fresh_buffer);

// Registered last: making the channels frees 8 MiB strings, which raises glibc's dynamic mmap
// threshold and would let fresh_buffer above reuse heap pages instead of mapping new ones.
// A File-mode channel of 64 MiB split into files of range(0) KiB, in the page cache.
const std::filesystem::path& channel_root(std::size_t file_kib) {
  static std::map<std::size_t, std::filesystem::path> roots;
  auto& root = roots[file_kib];
  if (root.empty()) {
    root = std::filesystem::temp_directory_path() / ("chanload_bench_channel_" + std::to_string(file_kib));
    std::filesystem::remove_all(root);
    std::filesystem::create_directories(root / "input/config");
    std::filesystem::create_directories(root / "input/data/train");
    std::ofstream(root / "input/config/inputdataconfig.json")
        << R"({"train": {"ContentType": "application/octet-stream", "TrainingInputMode": "File"}})";
    const std::string block(file_kib << 10, 'z');
    for (std::size_t i = 0; i < kFileBytes / block.size(); ++i) {
      std::ofstream(root / "input/data/train" / ("part-" + std::to_string(100000 + i)), std::ios::binary)
          << block;
    }
  }
  return root;
}

void channel_files(benchmark::State& state, io::IoBackend backend) {
  EnvironmentOptions env_options;
  env_options.root = channel_root(static_cast<std::size_t>(state.range(0)));
  const Environment environment = Environment::load(env_options);
  io::ChannelReadOptions options;
  options.backend = backend;
  options.compression = io::CompressionMode::kNone;
  for (auto _ : state) {
    io::ChannelSource source(environment, "train", options);
    std::size_t bytes = 0;
    for (auto chunk = source.next(); chunk; chunk = source.next()) bytes += chunk->bytes.size();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kFileBytes));
}
BENCHMARK_CAPTURE(channel_files, io_uring, io::IoBackend::kIoUring)
    ->Arg(256)
    ->Arg(1024)
    ->Arg(8192)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(channel_files, pread, io::IoBackend::kPread)
    ->Arg(256)
    ->Arg(1024)
    ->Arg(8192)
    ->Unit(benchmark::kMillisecond);

// The reference: open, read(2) into one 1 MiB buffer, close, file after file.
void channel_files_read_loop(benchmark::State& state) {
  const auto folder = channel_root(static_cast<std::size_t>(state.range(0))) / "input/data/train";
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  std::vector<char> buffer(std::size_t{1} << 20);
  for (auto _ : state) {
    std::size_t bytes = 0;
    for (const auto& file : files) bytes += read_to_end(file, buffer);
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kFileBytes));
}
BENCHMARK(channel_files_read_loop)->Arg(256)->Arg(1024)->Arg(8192)->Unit(benchmark::kMillisecond);

}  // namespace
