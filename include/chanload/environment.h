// chanload::Environment: the training job as a SageMaker training container sees it under
// /opt/ml, computed exactly as the SageMaker training toolkit (sagemaker-training 5.x) computes it.
//
//   auto env = chanload::Environment::load();            // $SAGEMAKER_BASE_DIR or /opt/ml
//   auto lr = env.hyperparameter("learning_rate");        // const Value*, nullptr when absent
//   for (const auto& ch : env.channels()) { ... ch.mode, ch.path ... }
//   for (const auto& [name, value] : env.to_env_vars()) setenv(name.c_str(), value.c_str(), 1);
//
// Loading reads three JSON files and never writes or creates anything. A missing file takes the
// toolkit's defaults (no hyperparameters, no channels, one host named after this machine); a
// malformed one is a ConfigError naming the file, line and column.
#pragma once

#include <chanload/value.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chanload {

enum class InputMode { kFile, kPipe, kFastFile };
enum class S3Distribution { kFullyReplicated, kShardedByS3Key };
enum class RecordWrapper { kNone, kRecordIO };
enum class Compression { kNone, kGzip };

[[nodiscard]] std::string_view to_string(InputMode mode);
[[nodiscard]] std::string_view to_string(S3Distribution distribution);
[[nodiscard]] std::string_view to_string(RecordWrapper wrapper);
[[nodiscard]] std::string_view to_string(Compression compression);

// A MIME content type with its parameters, e.g. "text/csv; label_size=1".
struct ContentType {
  std::string raw;                                              // as written in inputdataconfig.json
  std::string media_type;                                       // lower-cased, trimmed: "text/csv"
  std::vector<std::pair<std::string, std::string>> parameters;  // names lower-cased, in order

  // Parses "type/subtype; name=value; ..." (parameters split on ';' and trimmed; a quoted value is
  // unquoted). Throws ConfigError when the text has no media type or a parameter has no '='.
  static ContentType parse(std::string_view text);
  // The value of a parameter, by case-insensitive name.
  [[nodiscard]] std::optional<std::string> parameter(std::string_view name) const;
};

// One channel of inputdataconfig.json, with the platform's defaults for keys it leaves out.
struct ChannelConfig {
  std::string name;
  // File and FastFile: the channel's directory. Pipe: the FIFO prefix; epoch N reads "<path>_<N>".
  std::filesystem::path path;
  InputMode mode = InputMode::kFile;
  bool mode_configured = false;  // TrainingInputMode was in the file (else File is assumed)
  S3Distribution distribution = S3Distribution::kFullyReplicated;
  RecordWrapper record_wrapper = RecordWrapper::kNone;
  Compression compression = Compression::kNone;
  std::optional<ContentType> content_type;
};

struct EnvironmentOptions {
  // The job's base directory. Default: $SAGEMAKER_BASE_DIR if set, else /opt/ml.
  std::optional<std::filesystem::path> root;
  // Where process environment variables are read (SAGEMAKER_PROGRAM, TRAINING_JOB_NAME, ...).
  // Default: the process environment.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  // Run nvidia-smi, neuron-ls and `which` for num_gpus, num_neurons and is_smddp*run_installed, as
  // the toolkit does (each with a timeout). False reports none of them found, without running anything.
  bool probe_devices = true;
  // This machine's name for the default resource config. Default: gethostname().
  std::optional<std::string> hostname;
};

class Environment {
 public:
  static Environment load();
  static Environment load(const std::filesystem::path& root);
  static Environment load(const EnvironmentOptions& options);

  // The toolkit's 37 properties, by the toolkit's names, in its alphabetical order: the
  // SM_TRAINING_ENV object. property() throws std::out_of_range for an unknown name.
  [[nodiscard]] const Value::Dict& properties() const { return properties_.as_dict(); }
  [[nodiscard]] const Value& property(std::string_view name) const;

  // Typed access to the same properties.
  [[nodiscard]] const std::filesystem::path& root() const { return root_; }
  // A process environment variable as this Environment reads them: through
  // EnvironmentOptions::getenv when one was given, else the process's own. The loader's sharding
  // (RANK, LOCAL_RANK, OMPI_COMM_WORLD_*) reads them here too.
  [[nodiscard]] std::optional<std::string> variable(const std::string& name) const;
  [[nodiscard]] const std::string& current_host() const { return current_host_; }
  [[nodiscard]] const std::vector<std::string>& hosts() const { return hosts_; }
  // Index of current_host among the hosts sorted lexicographically (the platform's order); the
  // basis of sharding across hosts. Throws ConfigError when current_host is not among the hosts.
  [[nodiscard]] std::size_t current_host_rank() const;
  [[nodiscard]] std::string network_interface_name() const;
  [[nodiscard]] std::string current_instance_type() const;
  [[nodiscard]] std::string current_instance_group() const;
  [[nodiscard]] std::vector<std::string> current_instance_group_hosts() const;
  [[nodiscard]] std::vector<std::string> instance_groups() const;
  [[nodiscard]] const Value& instance_groups_dict() const;
  [[nodiscard]] const Value& distribution_instance_groups() const;
  [[nodiscard]] std::vector<std::string> distribution_hosts() const;
  [[nodiscard]] bool is_hetero() const;
  [[nodiscard]] std::string master_hostname() const;
  [[nodiscard]] bool is_master() const;
  [[nodiscard]] const Value& topology() const;
  [[nodiscard]] const Value& resource_config() const;
  [[nodiscard]] const Value& input_data_config() const;

  [[nodiscard]] std::filesystem::path model_dir() const;
  [[nodiscard]] std::filesystem::path input_dir() const;
  [[nodiscard]] std::filesystem::path input_config_dir() const;
  [[nodiscard]] std::filesystem::path output_dir() const;
  [[nodiscard]] std::filesystem::path output_data_dir() const;
  [[nodiscard]] std::filesystem::path output_intermediate_dir() const;
  [[nodiscard]] std::filesystem::path module_dir() const;

  // Channels in the order of inputdataconfig.json.
  [[nodiscard]] const std::vector<ChannelConfig>& channels() const { return channels_; }
  // Throws ConfigError naming the known channels when there is no such channel.
  [[nodiscard]] const ChannelConfig& channel(std::string_view name) const;
  [[nodiscard]] const Value& channel_input_dirs() const;

  // User hyperparameters (the sagemaker_* ones removed), each decoded as the toolkit decodes it.
  [[nodiscard]] const Value& hyperparameters() const;
  [[nodiscard]] const Value* hyperparameter(std::string_view name) const;
  [[nodiscard]] const Value& additional_framework_parameters() const;

  [[nodiscard]] std::string module_name() const;
  [[nodiscard]] const Value& user_entry_point() const;  // a string, or null
  [[nodiscard]] std::optional<std::string> framework_module() const;
  [[nodiscard]] const Value& log_level() const;  // 20 unless sagemaker_container_log_level says
  [[nodiscard]] std::optional<std::string> job_name() const;

  [[nodiscard]] int num_gpus() const;
  [[nodiscard]] int num_cpus() const;
  [[nodiscard]] int num_neurons() const;
  // The toolkit's value is null (SM_HP_MP_PARAMETERS unset), "" (set empty), or a bool; this is
  // its truth value. property("is_modelparallel_enabled") gives the value itself.
  [[nodiscard]] bool is_modelparallel_enabled() const;
  [[nodiscard]] bool is_smddprun_installed() const;
  [[nodiscard]] bool is_smddpmprun_installed() const;

  // The toolkit's Environment.to_env_vars(): SM_* names and values, in the toolkit's order.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> to_env_vars() const;
  // The toolkit's Environment.to_cmd_args(): the user hyperparameters as command-line arguments.
  [[nodiscard]] std::vector<std::string> to_cmd_args() const;

 private:
  Environment() = default;
  friend class EnvironmentBuilder;

  std::filesystem::path root_;
  std::string current_host_;
  std::vector<std::string> hosts_;
  std::vector<ChannelConfig> channels_;
  Value properties_ = Value::dict();
  std::function<std::optional<std::string>(const std::string&)> getenv_;
};

}  // namespace chanload
