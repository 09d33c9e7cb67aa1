// Environment: the toolkit's Environment.__init__, property by property, in C++.
//
// Each property below is computed as sagemaker_training/environment.py (5.x) computes it, quirks
// included (module_name is the string "None" when no program is named; master_hostname comes from
// the distribution hosts; a string sagemaker_distribution_instance_groups matches by substring, as
// Python's `in` does). Where the toolkit would crash on a malformed file we raise ConfigError.
#include <chanload/environment.h>
#include <chanload/errors.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <stdexcept>

#include "env/channel_config.h"
#include "env/config_file.h"
#include "env/host_probe.h"
#include "env/py_json.h"
#include "env/python_text.h"

namespace chanload {
namespace {

using env::join_path;

constexpr std::array<std::string_view, 9> kReservedHyperparameters{
    "sagemaker_program",        "sagemaker_submit_directory",    "sagemaker_enable_cloudwatch_metrics",
    "sagemaker_region",         "sagemaker_container_log_level", "sagemaker_job_name",
    "default_user_module_name", "_tuning_objective_metric",      "sagemaker_s3_output"};

constexpr std::array<std::string_view, 7> kDistributionFlags{
    "sagemaker_mpi_enabled",
    "sagemaker_parameter_server_enabled",
    "sagemaker_distributed_dataparallel_enabled",
    "sagemaker_pytorch_ddp_enabled",
    "sagemaker_pytorch_xla_multi_worker_enabled",
    "sagemaker_multi_worker_mirrored_strategy_enabled",
    "sagemaker_torch_distributed_enabled"};

constexpr std::chrono::seconds kProbeTimeout{10};

bool is_reserved(std::string_view key) {
  return std::find(kReservedHyperparameters.begin(), kReservedHyperparameters.end(), key) !=
         kReservedHyperparameters.end();
}

Value string_list(const std::vector<std::string>& items) {
  Value list = Value::list();
  for (const auto& item : items) list.as_list().push_back(Value::string(item));
  return list;
}

std::vector<std::string> strings_of(const Value& list) {
  std::vector<std::string> out;
  for (const Value& item : list.as_list()) out.push_back(item.as_string());
  return out;
}

bool is_string_list(const Value& value) {
  return value.is_list() && std::all_of(value.as_list().begin(), value.as_list().end(),
                                        [](const Value& v) { return v.is_string(); });
}

// Python's `needle in container` for the container kinds a hyperparameter can hold.
bool python_contains(const Value& container, const std::string& needle) {
  switch (container.kind()) {
    case Value::Kind::kList:
      return std::any_of(container.as_list().begin(), container.as_list().end(),
                         [&](const Value& v) { return v.is_string() && v.as_string() == needle; });
    case Value::Kind::kString:
      return container.as_string().find(needle) != std::string::npos;
    case Value::Kind::kDict:
      return container.find(needle) != nullptr;
    default:
      throw ConfigError("hyperparameter sagemaker_distribution_instance_groups is " + container.to_json() +
                        ", expected a list of instance group names");
  }
}

Value default_resource_config(const std::string& host) {
  Value group = Value::dict({{"instance_group_name", Value::string("homogeneousCluster")},
                             {"instance_type", Value::string("local")},
                             {"hosts", string_list({host})}});
  return Value::dict({{"current_host", Value::string(host)},
                      {"hosts", string_list({host})},
                      {"current_instance_group", Value::string("homogeneousCluster")},
                      {"instance_groups", Value::list({group})}});
}

// Typed view of resourceconfig.json, checked once so the rest can rely on it.
struct ResourceConfig {
  Value raw;
  std::string current_host;
  std::vector<std::string> hosts;
  std::string current_instance_type = "local";
  std::string current_group_name = "homogeneousCluster";
  std::string network_interface_name = "eth0";
  Value topology = Value::list();
  Value instance_groups = Value::list();  // the list as written, each entry checked
};

ResourceConfig parse_resource_config(Value raw, const std::string& file) {
  const auto fail = [&](const std::string& what) { throw ConfigError(file + ": " + what, file); };
  if (!raw.is_dict()) fail("expected a JSON object, found " + raw.to_json());
  ResourceConfig config;
  const Value* hosts = raw.find("hosts");
  if (hosts == nullptr) fail("\"hosts\" is missing");
  if (!is_string_list(*hosts) || hosts->as_list().empty()) {
    fail("\"hosts\" is " + hosts->to_json() + ", expected a non-empty list of host names");
  }
  config.hosts = strings_of(*hosts);
  const Value* current = raw.find("current_host");
  if (current == nullptr) fail("\"current_host\" is missing");
  if (!current->is_string()) fail("\"current_host\" is " + current->to_json() + ", expected a string");
  config.current_host = current->as_string();

  const auto optional_string = [&](const char* key, std::string& out) {
    if (const Value* v = raw.find(key)) {
      if (!v->is_string()) fail(std::string("\"") + key + "\" is " + v->to_json() + ", expected a string");
      out = v->as_string();
    }
  };
  optional_string("current_instance_type", config.current_instance_type);
  optional_string("current_group_name", config.current_group_name);
  optional_string("network_interface_name", config.network_interface_name);
  if (const Value* topology = raw.find("topology")) config.topology = *topology;

  if (const Value* groups = raw.find("instance_groups")) {
    if (!groups->is_list()) fail("\"instance_groups\" is " + groups->to_json() + ", expected a list");
    for (const Value& group : groups->as_list()) {
      const Value* name = group.find("instance_group_name");
      const Value* group_hosts = group.find("hosts");
      if (name == nullptr || !name->is_string() || group_hosts == nullptr || !is_string_list(*group_hosts)) {
        fail("an entry of \"instance_groups\" is " + group.to_json() +
             ", expected {\"instance_group_name\": name, \"hosts\": [names], ...}");
      }
    }
    config.instance_groups = *groups;
  }
  config.raw = std::move(raw);
  return config;
}

// The toolkit's read_hyperparameters(): each string value through json.loads, kept as written
// when that fails; values that are not strings kept as they are.
Value decode_hyperparameters(const Value& raw, const std::string& file) {
  if (!raw.is_dict()) {
    throw ConfigError(file + ": expected a JSON object, found " + raw.to_json(), file);
  }
  Value decoded = Value::dict();
  for (const auto& [key, value] : raw.as_dict()) {
    if (!value.is_string()) {
      decoded.set(key, value);
      continue;
    }
    try {
      decoded.set(key, env::parse_python_json(value.as_string()));
    } catch (const env::JsonSyntaxError&) {
      decoded.set(key, value);
    }
  }
  return decoded;
}

std::optional<std::string> process_getenv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

Value optional_string_value(const std::optional<std::string>& value) {
  return value ? Value::string(*value) : Value();
}

}  // namespace

std::optional<std::string> Environment::variable(const std::string& name) const {
  return getenv_ ? getenv_(name) : process_getenv(name);
}

class EnvironmentBuilder {
 public:
  static Environment build(const EnvironmentOptions& options);
};

Environment EnvironmentBuilder::build(const EnvironmentOptions& options) {
  const auto getenv = options.getenv ? options.getenv : process_getenv;

  std::string base;
  if (options.root) {
    base = options.root->string();
  } else {
    base = getenv("SAGEMAKER_BASE_DIR").value_or("/opt/ml");
  }
  const std::string code_dir = join_path(base, "code");
  const std::string input_dir = join_path(base, "input");
  const std::string input_config_dir = join_path(input_dir, "config");
  const std::string input_data_dir = join_path(input_dir, "data");
  const std::string output_dir = join_path(base, "output");
  const std::string hyperparameters_file = join_path(input_config_dir, "hyperparameters.json");
  const std::string resource_file = join_path(input_config_dir, "resourceconfig.json");
  const std::string input_data_file = join_path(input_config_dir, "inputdataconfig.json");

  const std::string this_host = options.hostname.value_or(env::host_name());
  ResourceConfig resources = parse_resource_config(
      env::read_config_file(resource_file).value_or(default_resource_config(this_host)), resource_file);
  Value input_data_config = env::read_config_file(input_data_file).value_or(Value::dict());
  std::vector<ChannelConfig> channels =
      env::parse_channels(input_data_config, input_data_dir, input_data_file);
  const Value all_hyperparameters = decode_hyperparameters(
      env::read_config_file(hyperparameters_file).value_or(Value::dict()), hyperparameters_file);

  // Split: sagemaker_* and the reserved names go to the toolkit; the rest are the user's.
  Value sagemaker_hps = Value::dict();
  Value user_hps = Value::dict();
  Value framework_params = Value::dict();
  for (const auto& [key, value] : all_hyperparameters.as_dict()) {
    if (is_reserved(key) || key.rfind("sagemaker_", 0) == 0) {
      sagemaker_hps.set(key, value);
      if (!is_reserved(key)) framework_params.set(key, value);
    } else {
      user_hps.set(key, value);
    }
  }
  const auto sagemaker_hp = [&](const char* key) { return sagemaker_hps.find(key); };

  // Entry point.
  const std::optional<std::string> program_env = getenv("SAGEMAKER_PROGRAM");
  Value module_name_value;
  if (program_env) {
    module_name_value = Value::string(*program_env);
  } else {
    const Value* program = sagemaker_hp("sagemaker_program");
    module_name_value = Value::string(program ? program->to_python_str() : "None");
  }
  std::string module_name = module_name_value.as_string();
  if (module_name.size() >= 3 && module_name.compare(module_name.size() - 3, 3, ".py") == 0) {
    module_name.resize(module_name.size() - 3);
  }
  Value user_entry_point;
  if (program_env && !program_env->empty()) {
    user_entry_point = Value::string(*program_env);
  } else if (const Value* program = sagemaker_hp("sagemaker_program")) {
    user_entry_point = *program;
  }
  const Value* submit_dir = sagemaker_hp("sagemaker_submit_directory");
  const std::string module_dir = submit_dir ? submit_dir->to_python_str() : code_dir;
  const Value* log_level_hp = sagemaker_hp("sagemaker_container_log_level");
  const Value log_level = log_level_hp ? *log_level_hp : Value::integer(20);

  // Instance groups and distribution.
  std::vector<std::string> instance_groups;
  Value instance_groups_dict = Value::dict();
  std::vector<std::string> current_group_hosts;
  bool found_current_group = false;
  for (const Value& group : resources.instance_groups.as_list()) {
    const std::string& name = group.find("instance_group_name")->as_string();
    instance_groups.push_back(name);
    instance_groups_dict.set(name, group);
    if (!found_current_group && name == resources.current_group_name) {
      current_group_hosts = strings_of(*group.find("hosts"));
      found_current_group = true;
    }
  }
  Value distribution_groups = Value::list();
  if (const Value* explicit_groups = framework_params.find("sagemaker_distribution_instance_groups")) {
    distribution_groups = *explicit_groups;
  } else if (std::any_of(kDistributionFlags.begin(), kDistributionFlags.end(), [&](auto flag) {
               const Value* v = framework_params.find(flag);
               return v != nullptr && v->truthy();
             })) {
    distribution_groups.as_list().push_back(Value::string(resources.current_group_name));
  }
  std::vector<std::string> distribution_hosts;
  if (!resources.instance_groups.as_list().empty()) {
    for (const Value& group : resources.instance_groups.as_list()) {
      if (python_contains(distribution_groups, group.find("instance_group_name")->as_string())) {
        for (const auto& host : strings_of(*group.find("hosts"))) distribution_hosts.push_back(host);
      }
    }
  } else {
    distribution_hosts = resources.hosts;
  }
  const std::string master_hostname =
      distribution_hosts.empty() ? resources.hosts.front() : distribution_hosts.front();

  // Devices.
  int num_gpus = 0;
  int num_neurons = 0;
  bool smddprun = false;
  bool smddpmprun = false;
  if (options.probe_devices) {
    if (auto out = env::run_and_capture({"nvidia-smi", "--list-gpus"}, kProbeTimeout)) {
      num_gpus = env::count_gpus_from_nvidia_smi(*out);
    }
    if (resources.current_instance_type.find("trn2.48xlarge") != std::string::npos) {
      num_neurons = 64;
    } else if (auto out = env::run_and_capture({"neuron-ls", "-j"}, kProbeTimeout)) {
      num_neurons = env::count_neuron_cores_from_neuron_ls(*out);
    }
    const std::string path = getenv("PATH").value_or("");
    smddprun = env::found_on_path("smddprun", path);
    smddpmprun = env::found_on_path("smddpmprun", path);
  }
  Value modelparallel;  // null when SM_HP_MP_PARAMETERS is unset
  if (auto mp = getenv("SM_HP_MP_PARAMETERS")) {
    modelparallel = mp->empty() ? Value::string("") : Value::boolean(*mp != "{}");
  }

  Value channel_dirs = Value::dict();
  for (const auto& channel : channels) channel_dirs.set(channel.name, Value::string(channel.path.string()));

  std::map<std::string, Value> props;
  props["additional_framework_parameters"] = framework_params;
  props["channel_input_dirs"] = channel_dirs;
  props["current_host"] = Value::string(resources.current_host);
  props["current_instance_group"] = Value::string(resources.current_group_name);
  props["current_instance_group_hosts"] = string_list(current_group_hosts);
  props["current_instance_type"] = Value::string(resources.current_instance_type);
  props["distribution_hosts"] = string_list(distribution_hosts);
  props["distribution_instance_groups"] = distribution_groups;
  props["framework_module"] = optional_string_value(getenv("SAGEMAKER_TRAINING_MODULE"));
  props["hosts"] = string_list(resources.hosts);
  props["hyperparameters"] = user_hps;
  props["input_config_dir"] = Value::string(input_config_dir);
  props["input_data_config"] = input_data_config;
  props["input_dir"] = Value::string(input_dir);
  props["instance_groups"] = string_list(instance_groups);
  props["instance_groups_dict"] = instance_groups_dict;
  props["is_hetero"] = Value::boolean(instance_groups.size() > 1);
  props["is_master"] = Value::boolean(resources.current_host == master_hostname);
  props["is_modelparallel_enabled"] = modelparallel;
  props["is_smddpmprun_installed"] = Value::boolean(smddpmprun);
  props["is_smddprun_installed"] = Value::boolean(smddprun);
  props["job_name"] = optional_string_value(getenv("TRAINING_JOB_NAME"));
  props["log_level"] = log_level;
  props["master_hostname"] = Value::string(master_hostname);
  props["model_dir"] = Value::string(join_path(base, "model"));
  props["module_dir"] = Value::string(module_dir);
  props["module_name"] = Value::string(module_name);
  props["network_interface_name"] = Value::string(resources.network_interface_name);
  props["num_cpus"] = Value::integer(env::logical_cpu_count());
  props["num_gpus"] = Value::integer(num_gpus);
  props["num_neurons"] = Value::integer(num_neurons);
  props["output_data_dir"] = Value::string(join_path(output_dir, "data"));
  props["output_dir"] = Value::string(output_dir);
  props["output_intermediate_dir"] = Value::string(join_path(output_dir, "intermediate"));
  props["resource_config"] = resources.raw;
  props["topology"] = resources.topology;
  props["user_entry_point"] = user_entry_point;

  Environment environment;
  environment.getenv_ = getenv;
  environment.root_ = base;
  environment.current_host_ = resources.current_host;
  environment.hosts_ = resources.hosts;
  environment.channels_ = std::move(channels);
  Value::Dict sorted;
  for (auto& [name, value] : props) sorted.emplace_back(name, std::move(value));
  environment.properties_ = Value::dict(std::move(sorted));
  return environment;
}

Environment Environment::load() { return load(EnvironmentOptions{}); }

Environment Environment::load(const std::filesystem::path& root) {
  EnvironmentOptions options;
  options.root = root;
  return load(options);
}

Environment Environment::load(const EnvironmentOptions& options) {
  return EnvironmentBuilder::build(options);
}

const Value& Environment::property(std::string_view name) const {
  if (const Value* value = properties_.find(name)) return *value;
  throw std::out_of_range("chanload::Environment has no property \"" + std::string(name) + "\"");
}

std::size_t Environment::current_host_rank() const {
  std::vector<std::string> sorted = hosts_;
  std::sort(sorted.begin(), sorted.end());
  const auto it = std::find(sorted.begin(), sorted.end(), current_host_);
  if (it == sorted.end()) {
    throw ConfigError("resourceconfig.json: current_host \"" + current_host_ + "\" is not among the hosts " +
                      string_list(hosts_).to_json());
  }
  return static_cast<std::size_t>(it - sorted.begin());
}

std::string Environment::network_interface_name() const {
  return property("network_interface_name").as_string();
}
std::string Environment::current_instance_type() const {
  return property("current_instance_type").as_string();
}
std::string Environment::current_instance_group() const {
  return property("current_instance_group").as_string();
}
std::vector<std::string> Environment::current_instance_group_hosts() const {
  return strings_of(property("current_instance_group_hosts"));
}
std::vector<std::string> Environment::instance_groups() const {
  return strings_of(property("instance_groups"));
}
const Value& Environment::instance_groups_dict() const { return property("instance_groups_dict"); }
const Value& Environment::distribution_instance_groups() const {
  return property("distribution_instance_groups");
}
std::vector<std::string> Environment::distribution_hosts() const {
  return strings_of(property("distribution_hosts"));
}
bool Environment::is_hetero() const { return property("is_hetero").as_bool(); }
std::string Environment::master_hostname() const { return property("master_hostname").as_string(); }
bool Environment::is_master() const { return property("is_master").as_bool(); }
const Value& Environment::topology() const { return property("topology"); }
const Value& Environment::resource_config() const { return property("resource_config"); }
const Value& Environment::input_data_config() const { return property("input_data_config"); }

std::filesystem::path Environment::model_dir() const { return property("model_dir").as_string(); }
std::filesystem::path Environment::input_dir() const { return property("input_dir").as_string(); }
std::filesystem::path Environment::input_config_dir() const {
  return property("input_config_dir").as_string();
}
std::filesystem::path Environment::output_dir() const { return property("output_dir").as_string(); }
std::filesystem::path Environment::output_data_dir() const { return property("output_data_dir").as_string(); }
std::filesystem::path Environment::output_intermediate_dir() const {
  return property("output_intermediate_dir").as_string();
}
std::filesystem::path Environment::module_dir() const { return property("module_dir").as_string(); }

const ChannelConfig& Environment::channel(std::string_view name) const {
  for (const auto& channel : channels_) {
    if (channel.name == name) return channel;
  }
  std::string known;
  for (const auto& channel : channels_) known += (known.empty() ? "" : ", ") + channel.name;
  throw ConfigError("no channel \"" + std::string(name) + "\" in " +
                    (input_config_dir() / "inputdataconfig.json").string() +
                    (known.empty() ? " (it names no channels)" : " (channels: " + known + ")"));
}
const Value& Environment::channel_input_dirs() const { return property("channel_input_dirs"); }

const Value& Environment::hyperparameters() const { return property("hyperparameters"); }
const Value* Environment::hyperparameter(std::string_view name) const { return hyperparameters().find(name); }
const Value& Environment::additional_framework_parameters() const {
  return property("additional_framework_parameters");
}

std::string Environment::module_name() const { return property("module_name").as_string(); }
const Value& Environment::user_entry_point() const { return property("user_entry_point"); }
std::optional<std::string> Environment::framework_module() const {
  const Value& v = property("framework_module");
  return v.is_null() ? std::nullopt : std::optional<std::string>(v.as_string());
}
const Value& Environment::log_level() const { return property("log_level"); }
std::optional<std::string> Environment::job_name() const {
  const Value& v = property("job_name");
  return v.is_null() ? std::nullopt : std::optional<std::string>(v.as_string());
}

int Environment::num_gpus() const { return static_cast<int>(*property("num_gpus").as_int64()); }
int Environment::num_cpus() const { return static_cast<int>(*property("num_cpus").as_int64()); }
int Environment::num_neurons() const { return static_cast<int>(*property("num_neurons").as_int64()); }
bool Environment::is_modelparallel_enabled() const { return property("is_modelparallel_enabled").truthy(); }
bool Environment::is_smddprun_installed() const { return property("is_smddprun_installed").as_bool(); }
bool Environment::is_smddpmprun_installed() const { return property("is_smddpmprun_installed").as_bool(); }

std::vector<std::string> Environment::to_cmd_args() const {
  // mapping.to_cmd_args: keys sorted; "--key", or "-k" for a one-character key; values through
  // str(), dicts as "k=v,k2=v2" with their items sorted.
  std::vector<const std::pair<std::string, Value>*> entries;
  for (const auto& entry : hyperparameters().as_dict()) entries.push_back(&entry);
  std::sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->first < b->first; });
  std::vector<std::string> args;
  for (const auto* entry : entries) {
    const std::string& key = entry->first;
    const std::size_t length = env::code_point_count(key);
    args.push_back(length == 0 ? "" : (length > 1 ? "--" : "-") + key);
    const Value& value = entry->second;
    if (value.is_dict()) {
      std::vector<const std::pair<std::string, Value>*> items;
      for (const auto& item : value.as_dict()) items.push_back(&item);
      std::sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->first < b->first; });
      std::string joined;
      for (const auto* item : items) {
        if (!joined.empty() || item != items.front()) joined.push_back(',');
        joined += item->first + "=" + item->second.to_python_str();
      }
      args.push_back(joined);
    } else {
      args.push_back(value.is_null() ? "" : value.to_python_str());
    }
  }
  return args;
}

std::vector<std::pair<std::string, std::string>> Environment::to_env_vars() const {
  // mapping.to_env_vars over the toolkit's dict: "SM_" + key.upper(); strings unchanged, None
  // empty, anything else compact sorted ASCII JSON. A later key that upper-cases to the name of
  // an earlier one replaces its value in place, as the toolkit's dict comprehension does.
  std::vector<std::pair<std::string, std::string>> out;
  const auto add = [&](const std::string& key, const Value& value) {
    std::string name = "SM_" + env::python_upper(key);
    std::string text = value.is_string() ? value.as_string() : value.is_null() ? "" : value.to_json();
    for (auto& [existing, existing_text] : out) {
      if (existing == name) {
        existing_text = std::move(text);
        return;
      }
    }
    out.emplace_back(std::move(name), std::move(text));
  };
  Value channel_names = Value::list();
  {
    std::vector<std::string> names;
    for (const auto& channel : channels_) names.push_back(channel.name);
    std::sort(names.begin(), names.end());
    channel_names = string_list(names);
  }
  Value user_args = Value::list();
  for (auto& arg : to_cmd_args()) user_args.as_list().push_back(Value::string(std::move(arg)));

  add("hosts", property("hosts"));
  add("network_interface_name", property("network_interface_name"));
  add("hps", hyperparameters());
  add("user_entry_point", user_entry_point());
  add("framework_params", additional_framework_parameters());
  add("resource_config", resource_config());
  add("input_data_config", input_data_config());
  add("output_data_dir", property("output_data_dir"));
  add("channels", channel_names);
  add("current_host", property("current_host"));
  add("current_instance_type", property("current_instance_type"));
  add("current_instance_group", property("current_instance_group"));
  add("current_instance_group_hosts", property("current_instance_group_hosts"));
  add("instance_groups", property("instance_groups"));
  add("instance_groups_dict", instance_groups_dict());
  add("distribution_instance_groups", distribution_instance_groups());
  add("is_hetero", property("is_hetero"));
  add("module_name", property("module_name"));
  add("log_level", log_level());
  add("framework_module", property("framework_module"));
  add("input_dir", property("input_dir"));
  add("input_config_dir", property("input_config_dir"));
  add("output_dir", property("output_dir"));
  add("num_cpus", property("num_cpus"));
  add("num_gpus", property("num_gpus"));
  add("num_neurons", property("num_neurons"));
  add("model_dir", property("model_dir"));
  add("module_dir", property("module_dir"));
  add("training_env", properties_);
  add("user_args", user_args);
  add("output_intermediate_dir", property("output_intermediate_dir"));
  if (topology().truthy()) add("topology", topology());
  for (const auto& [name, path] : channel_input_dirs().as_dict()) add("channel_" + name, path);
  for (const auto& [key, value] : hyperparameters().as_dict()) add("hp_" + key, value);
  return out;
}

}  // namespace chanload
