// SageMaker training instance types as data: the table in data/instance_types.json (with its sources
// and date), built into the command so that `chanload bench --instances` works anywhere, or a table
// of the user's own in the same schema.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chanload::sizing {

struct InstanceType {
  std::string name;  // "ml.p4d.24xlarge"
  std::size_t vcpus = 0;
  std::size_t physical_cores = 0;  // vcpus / 2 where each core runs two hyperthreads
  std::string cpu;
  double memory_gib = 0;
  std::size_t gpus = 0;     // accelerators (GPUs, or Trainium chips); 0 for a CPU instance
  std::string accelerator;  // "NVIDIA A100 40GB"; empty for a CPU instance
  double accelerator_memory_gib = 0;
  double network_gbps = 0;  // the instance's figure ("up to N Gbps": N)
  std::string network_text;
  double local_nvme_gb = 0;  // instance-store NVMe, all drives; 0 when EBS only
  unsigned pcie_gen = 0;     // host to accelerator; 0 for a CPU instance, or where not published
  unsigned pcie_lanes = 0;   // per accelerator (0 with pcie_gen)
  std::vector<std::string> sources;
  std::vector<std::string> unverified;  // fields the table's sources do not state
};

struct InstanceTable {
  std::string description;
  std::string date;    // when the facts were gathered
  std::string origin;  // the file read, or "built in"
  std::vector<InstanceType> instances;
};

// The table from JSON text in data/instance_types.json's schema; a missing or mistyped field is a
// ConfigError naming origin, the instance and the field.
InstanceTable parse_instance_table(std::string_view json_text, const std::string& origin);
// The table at path, or the one built into the command.
InstanceTable load_instance_table(const std::optional<std::string>& path);
// The instances whose name matches pattern: a glob (fnmatch: "ml.g5.*", "*p4d*") when it holds a
// wildcard, else a substring ("p5", "g6e."); an empty pattern matches them all. In table order.
std::vector<InstanceType> match_instances(const InstanceTable& table, std::string_view pattern);

}  // namespace chanload::sizing
