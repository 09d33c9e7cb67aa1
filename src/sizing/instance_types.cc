#include "sizing/instance_types.h"

#include <chanload/errors.h>
#include <fnmatch.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sizing/embedded_texts.h"

namespace chanload::sizing {
namespace {

using nlohmann::json;

const json& field(const json& object, const char* name, const std::string& where) {
  const auto it = object.find(name);
  if (it == object.end()) throw ConfigError(where + ": no \"" + name + "\"");
  return *it;
}

double number(const json& object, const char* name, const std::string& where) {
  const json& value = field(object, name, where);
  if (!value.is_number() || value.get<double>() < 0)
    throw ConfigError(where + ": \"" + name + "\" must be a number of at least 0");
  return value.get<double>();
}

std::size_t count(const json& object, const char* name, const std::string& where) {
  const json& value = field(object, name, where);
  if (!value.is_number_unsigned()) throw ConfigError(where + ": \"" + name + "\" must be a whole number");
  return value.get<std::size_t>();
}

std::string text(const json& object, const char* name, const std::string& where) {
  const json& value = field(object, name, where);
  if (!value.is_string()) throw ConfigError(where + ": \"" + name + "\" must be a string");
  return value.get<std::string>();
}

std::vector<std::string> texts(const json& object, const char* name, const std::string& where) {
  const auto it = object.find(name);
  if (it == object.end()) return {};
  if (!it->is_array()) throw ConfigError(where + ": \"" + name + "\" must be a list of strings");
  std::vector<std::string> out;
  for (const json& item : *it) {
    if (!item.is_string()) throw ConfigError(where + ": \"" + name + "\" must be a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

InstanceTable parse_instance_table(std::string_view json_text, const std::string& origin) {
  json document;
  try {
    document = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw ConfigError(origin + ": not JSON (" + e.what() + ")");
  }
  if (!document.is_object()) throw ConfigError(origin + ": an instance table is a JSON object");
  InstanceTable table;
  table.origin = origin;
  table.description = text(document, "description", origin);
  table.date = text(document, "date", origin);
  const json& sources = field(document, "sources", origin);
  if (!sources.is_object()) throw ConfigError(origin + ": \"sources\" must be an object");
  const json& instances = field(document, "instances", origin);
  if (!instances.is_array() || instances.empty())
    throw ConfigError(origin + ": \"instances\" must be a list of instance types");
  for (std::size_t i = 0; i < instances.size(); ++i) {
    const json& entry = instances[i];
    std::string where = origin + ": instance " + std::to_string(i + 1);
    if (!entry.is_object()) throw ConfigError(where + " is not an object");
    InstanceType type;
    type.name = text(entry, "name", where);
    where += " (" + type.name + ")";
    type.vcpus = count(entry, "vcpus", where);
    type.physical_cores = count(entry, "physical_cores", where);
    if (type.vcpus == 0 || type.physical_cores == 0 || type.physical_cores > type.vcpus)
      throw ConfigError(where + ": needs 1 <= physical_cores <= vcpus");
    type.cpu = text(entry, "cpu", where);
    type.memory_gib = number(entry, "memory_gib", where);
    type.gpus = count(entry, "gpus", where);
    type.accelerator = text(entry, "accelerator", where);
    type.accelerator_memory_gib = number(entry, "accelerator_memory_gib", where);
    type.network_gbps = number(entry, "network_gbps", where);
    type.network_text = text(entry, "network_text", where);
    type.local_nvme_gb = number(entry, "local_nvme_gb", where);
    type.pcie_gen = static_cast<unsigned>(count(entry, "pcie_gen", where));
    type.pcie_lanes = static_cast<unsigned>(count(entry, "pcie_lanes", where));
    if ((type.pcie_gen == 0) != (type.pcie_lanes == 0))
      throw ConfigError(where + ": pcie_gen and pcie_lanes are both known or both 0 (not published)");
    type.sources = texts(entry, "sources", where);
    for (const std::string& source : type.sources) {
      if (!sources.contains(source))
        throw ConfigError(where + ": source \"" + source + "\" is not in \"sources\"");
    }
    type.unverified = texts(entry, "unverified", where);
    table.instances.push_back(std::move(type));
  }
  return table;
}

InstanceTable load_instance_table(const std::optional<std::string>& path) {
  if (!path) return parse_instance_table(builtin_instance_table_json(), "the built-in instance table");
  std::ifstream in(*path);
  if (!in) throw ConfigError(*path + ": cannot read the instance table");
  std::ostringstream content;
  content << in.rdbuf();
  return parse_instance_table(content.str(), *path);
}

std::vector<InstanceType> match_instances(const InstanceTable& table, std::string_view pattern) {
  const std::string wanted(pattern);
  const bool glob = wanted.find_first_of("*?[") != std::string::npos;
  std::vector<InstanceType> out;
  for (const InstanceType& type : table.instances) {
    const bool match = glob ? fnmatch(wanted.c_str(), type.name.c_str(), 0) == 0
                            : type.name.find(wanted) != std::string::npos;
    if (match) out.push_back(type);
  }
  return out;
}

}  // namespace chanload::sizing
