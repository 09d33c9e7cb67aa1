#include "env/host_probe.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <chrono>

#include "test_tree.h"

namespace chanload::env {
namespace {

using namespace std::chrono_literals;

TEST(HostProbe, CountsGpuLinesLikeTheToolkit) {
  EXPECT_EQ(count_gpus_from_nvidia_smi(""), 0);
  EXPECT_EQ(
      count_gpus_from_nvidia_smi("GPU 0: NVIDIA H100 (UUID: GPU-1)\nGPU 1: NVIDIA H100 (UUID: GPU-2)\n"), 2);
  EXPECT_EQ(count_gpus_from_nvidia_smi("No devices were found\n"), 0);
  EXPECT_EQ(count_gpus_from_nvidia_smi(" GPU 0: indented\nGPU0 no space\nGPU 3: x"), 1);
}

TEST(HostProbe, SumsNeuronCores) {
  EXPECT_EQ(count_neuron_cores_from_neuron_ls(R"([{"nc_count": 2}, {"nc_count": 8}, {}])"), 10);
  EXPECT_EQ(count_neuron_cores_from_neuron_ls("not json"), 0);
  EXPECT_EQ(count_neuron_cores_from_neuron_ls(R"({"nc_count": 2})"), 0);
}

TEST(HostProbe, RunsACommandAndCapturesItsOutput) {
  EXPECT_EQ(run_and_capture({"sh", "-c", "printf 'a\\nb'"}, 5s), "a\nb");
  EXPECT_FALSE(run_and_capture({"sh", "-c", "exit 3"}, 5s).has_value());
  EXPECT_FALSE(run_and_capture({"chanload-no-such-command"}, 5s).has_value());
}

TEST(HostProbe, KillsACommandThatRunsPastItsTimeout) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(run_and_capture({"sleep", "30"}, 200ms).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(HostProbe, FindsExecutablesOnThePathLikeWhich) {
  testing::TestTree tree;
  tree.write("bin/smddprun", "#!/bin/sh\n");
  tree.write("bin/not-executable", "");
  ::chmod((tree.root() / "bin/smddprun").c_str(), 0755);
  const std::string path = "/nonexistent:" + (tree.root() / "bin").string();
  EXPECT_TRUE(found_on_path("smddprun", path));
  EXPECT_FALSE(found_on_path("not-executable", path));
  EXPECT_FALSE(found_on_path("smddpmprun", path));
  EXPECT_FALSE(found_on_path("bin", tree.root().string()));  // a directory is not a program
}

TEST(HostProbe, ReportsTheMachine) {
  EXPECT_FALSE(host_name().empty());
  EXPECT_GE(logical_cpu_count(), 1);
}

}  // namespace
}  // namespace chanload::env
