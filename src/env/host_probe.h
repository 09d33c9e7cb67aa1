// What the toolkit learns by asking the machine: its name, CPU count, GPU and Neuron core counts,
// and whether the smddp launchers are on PATH.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace chanload::env {

std::string host_name();
int logical_cpu_count();

// Runs argv (PATH search) and returns its standard output when it exits 0 within the timeout;
// nullopt when it cannot start, fails, or runs too long (it is killed then).
std::optional<std::string> run_and_capture(const std::vector<std::string>& argv,
                                           std::chrono::milliseconds timeout);

// Lines of `nvidia-smi --list-gpus` that start with "GPU "; 0 on any failure.
int count_gpus_from_nvidia_smi(const std::string& output);
// Sum of nc_count over the list `neuron-ls -j` prints; 0 when it is not such a list.
int count_neuron_cores_from_neuron_ls(const std::string& output);

// `which NAME` succeeds: an executable regular file NAME in a directory of the PATH given.
bool found_on_path(const std::string& name, const std::string& path_variable);

}  // namespace chanload::env
