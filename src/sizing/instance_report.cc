#include "sizing/instance_report.h"

#include <chanload/errors.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "sizing/bench_report.h"
#include "sizing/embedded_texts.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it nowhere

namespace chanload::sizing {
namespace {

using nlohmann::json;

}  // namespace

FitInput fit_input_from(const BenchReport& report, double records_per_gpu_per_second,
                        std::size_t memory_budget_bytes, InputMode input_mode) {
  FitInput input;
  input.costs = report.sizing.costs;
  const double records = static_cast<double>(std::max<std::uint64_t>(report.records, 1));
  input.stored_bytes_per_record = static_cast<double>(report.stored_bytes) / records;
  input.decoded_row_bytes = static_cast<double>(report.decoded_row_bytes);
  input.input_mode = input_mode;
  const bool plain = report.compression == "none" && input_mode != InputMode::kPipe;
  const bool text = report.format == "csv" || report.format == "lines";
  input.byte_range_shardable = plain && text;
  input.splittable = plain && (text || report.format == "recordio");
  // The files the bench was given (all of them, not only the sample's): give it the channel's own
  // objects, or as many, for the reader threads to be counted right.
  input.objects = std::max<std::size_t>(report.files_total, 1);
  input.records_per_gpu_per_second = records_per_gpu_per_second;
  input.memory_budget_bytes = memory_budget_bytes;
  input.prefetch_memory_bytes = report.sizing.prefetch_memory_bytes;
  for (const double error : report.sizing.model_error)
    input.model_error = std::max(input.model_error, std::abs(error));
  return input;
}

InstanceReport fit_instances(const BenchReport& report, const InstanceTable& table,
                             const std::string& pattern, double records_per_gpu_per_second,
                             std::size_t memory_budget_bytes, InputMode input_mode,
                             const FitAssumptions& assumptions) {
  const std::vector<InstanceType> types = match_instances(table, pattern);
  if (types.empty()) {
    throw ConfigError("--instances " + pattern + ": no instance type in " + table.origin +
                      " matches (a substring such as p4d, or a glob such as 'ml.g5.*')");
  }
  InstanceReport out;
  out.table_origin = table.origin;
  out.table_date = table.date;
  out.input = fit_input_from(report, records_per_gpu_per_second, memory_budget_bytes, input_mode);
  out.assumptions = assumptions;
  for (const InstanceType& type : types) out.fits.push_back(fit_instance(type, out.input, assumptions));
  return out;
}

json instances_json(const InstanceReport& report) {
  json fits = json::array();
  for (const InstanceFit& fit : report.fits) {
    json ceilings = json::object();
    for (const auto& [name, rate] : fit.ceilings)
      ceilings[name] = std::isfinite(rate) ? json(rate) : json(nullptr);
    fits.push_back({{"name", fit.type.name},
                    {"vcpus", fit.type.vcpus},
                    {"physical_cores", fit.type.physical_cores},
                    {"gpus", fit.type.gpus},
                    {"accelerator", fit.type.accelerator},
                    {"processes", fit.processes},
                    {"sharding", fit.sharding},
                    {"demand_records_per_second", fit.demand},
                    {"deliverable_records_per_second", fit.deliverable},
                    {"headroom", fit.headroom},
                    {"fed", fit.fed},
                    {"limit", fit.limit},
                    {"ceilings_records_per_second", ceilings},
                    {"cores_available", fit.cores_available},
                    {"loader_cores", fit.loader_cores},
                    {"decode_threads_per_process", fit.decode_threads_per_process},
                    {"reader_threads_per_process", fit.reader_threads_per_process},
                    {"loader_memory_bytes", fit.loader_memory_bytes},
                    {"memory_fits", fit.memory_fits},
                    {"confidence", fit.confidence},
                    {"notes", fit.notes}});
  }
  const FitAssumptions& a = report.assumptions;
  return {{"table", {{"origin", report.table_origin}, {"date", report.table_date}}},
          {"records_per_gpu_per_second", report.input.records_per_gpu_per_second},
          {"input_mode", to_string(report.input.input_mode)},
          {"prefetch_memory_bytes_per_process", report.input.prefetch_memory_bytes},
          {"assumptions",
           {{"hyperthread_weight", a.hyperthread_weight},
            {"training_cores_per_gpu", a.training_cores_per_gpu},
            {"core_speed", a.core_speed},
            {"network_share", a.network_share},
            {"pcie_share", a.pcie_share},
            {"loader_memory_share", a.loader_memory_share},
            {"model_error_on_this_machine", report.input.model_error}}},
          {"instances", fits}};
}

std::string instances_table(const InstanceReport& report) {
  std::ostringstream out;
  const FitAssumptions& a = report.assumptions;
  const FitInput& in = report.input;
  const std::string streaming =
      in.input_mode == InputMode::kFile
          ? "File mode: the data is on the instance before training (not the network)"
          : std::string(to_string(in.input_mode)) +
                " mode streams from S3 at most at 60% of the network bandwidth";
  char line[400];
  std::snprintf(line, sizeof line,
                "\ninstance types (%s, %s) for %s per GPU (a CPU instance: one consumer at that rate):\n",
                report.table_origin.c_str(), report.table_date.c_str(),
                si(in.records_per_gpu_per_second, "rec/s").c_str());
  out << line;
  std::snprintf(line, sizeof line, "  %-18s %5s %4s %12s %12s %8s  %-13s %-10s %-8s %s\n", "instance", "vCPU",
                "GPUs", "demand", "deliverable", "headroom", "limit", "sharding", "answer", "per process");
  out << line;
  for (const InstanceFit& fit : report.fits) {
    char headroom[16];
    std::snprintf(headroom, sizeof headroom, "%.2fx", fit.headroom);
    char per_process[96];
    std::snprintf(per_process, sizeof per_process, "%zu x (%zu decode, %zu reader threads)", fit.processes,
                  fit.decode_threads_per_process, fit.reader_threads_per_process);
    const std::string answer =
        std::string(fit.fed ? "fed" : "starved") + (fit.confidence == "sure" ? "" : "?");
    std::snprintf(line, sizeof line, "  %-18s %5zu %4zu %12s %12s %8s  %-13s %-10s %-8s %s\n",
                  fit.type.name.c_str(), fit.type.vcpus, fit.type.gpus, si(fit.demand, "rec/s").c_str(),
                  si(fit.deliverable, "rec/s").c_str(), headroom, fit.limit.c_str(), fit.sharding.c_str(),
                  answer.c_str(), per_process);
    out << line;
    for (const std::string& note : fit.notes) out << "      " << note << "\n";
  }
  std::snprintf(
      line, sizeof line,
      "  ?: marginal, the headroom is within the model's error (%.0f%% for another CPU's cores, plus "
      "%.0f%% measured here).\n  sharding: record, every process reads every record and keeps "
      "its share; byte range, shard_by_byte_range: each reads only its share of the bytes.\n",
      kCoreSpeedError * 100, in.model_error * 100);
  out << line;
  std::snprintf(line, sizeof line,
                "assumptions: this machine's per-core speed (--core-speed %.2f); a vCPU beyond the physical "
                "cores counts %.2f of a core; %.2f core per GPU left to training (--training-cores-per-gpu); "
                "one loader per GPU process; %s; host-to-device at %.0f%% of each GPU's PCIe link; "
                "loaders' memory within %.0f%% of the instance's.\n",
                a.core_speed, a.hyperthread_weight, a.training_cores_per_gpu, streaming.c_str(),
                a.pcie_share * 100, a.loader_memory_share * 100);
  out << line;
  return out.str();
}

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "chanload-plot-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw IoError("cannot create a temporary directory", pattern);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// CHANLOAD_PYTHON names the interpreter (a virtual environment's, say); python3 on PATH otherwise.
std::string python_interpreter() {
  const char* chosen = std::getenv("CHANLOAD_PYTHON");
  return chosen != nullptr && *chosen != '\0' ? chosen : "python3";
}

// Runs the plot script (written into dir) with args; throws what the run says is wrong: no
// interpreter or no matplotlib (ConfigError), a failure or a stuck interpreter (Error).
void run_plot_script(const TempDir& dir, const std::vector<std::string>& script_args,
                     const std::string& what) {
  const std::string python = python_interpreter();
  const std::string script = (dir.path / "plot.py").string();
  std::ofstream(script) << instance_plot_script();
  const std::string errors = (dir.path / "errors.txt").string();
  std::vector<std::string> words = {python, script};
  words.insert(words.end(), script_args.begin(), script_args.end());
  std::vector<char*> args;
  args.reserve(words.size() + 1);
  for (std::string& word : words) args.push_back(word.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, errors.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, python.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw ConfigError("--plot needs python3 with matplotlib (" + python +
                      " not found; CHANLOAD_PYTHON may name another)");
  }
  // Drawing takes a second or two; a stuck interpreter is killed rather than waited on for ever.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  int status = 0;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) throw Error("--plot: waiting for " + python + " failed (" + what + ")");
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      throw Error("--plot: " + python + " did not finish " + what + " within 120 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  std::ifstream in(errors);
  std::string message((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
    throw ConfigError("--plot needs matplotlib for " + python + " (pip install matplotlib): " + message);
  }
  throw Error("--plot: " + what + " failed: " + message);
}

double finite(double value) { return std::isfinite(value) ? value : 0; }

}  // namespace

void check_plot_available() {
  const TempDir dir;
  run_plot_script(dir, {"--check"}, "checking for matplotlib");
}

void plot_instances(const InstanceReport& report, const std::string& path) {
  const TempDir dir;
  json data = instances_json(report);
  for (json& fit : data["instances"]) {
    for (const char* key : {"deliverable_records_per_second", "demand_records_per_second", "headroom"})
      fit[key] = finite(fit[key].get<double>());
  }
  const std::string fits = (dir.path / "fits.json").string();
  std::ofstream(fits) << data.dump();
  run_plot_script(dir, {fits, path}, "drawing " + path);
}

}  // namespace chanload::sizing
