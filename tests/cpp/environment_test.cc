// Environment loading: defaults, each property's rule, and bad input. The byte-for-byte comparison
// with the real toolkit over many trees is in tests/python/test_parity.py.
#include <chanload/environment.h>
#include <chanload/errors.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>

#include "env/small_file.h"
#include "test_tree.h"

namespace chanload {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TestTree;

// Loads with an explicit process environment and no device probes, so results do not depend on
// the machine running the test.
Environment load(const TestTree& tree, std::map<std::string, std::string> vars = {}) {
  EnvironmentOptions options;
  options.root = tree.root();
  options.probe_devices = false;
  options.hostname = "test-host";
  options.getenv = [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  return Environment::load(options);
}

std::map<std::string, std::string> env_map(const Environment& environment) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : environment.to_env_vars()) out[name] = value;
  return out;
}

TEST(Environment, MissingFilesTakeTheToolkitsDefaultsAndCreateNothing) {
  TestTree tree;
  const auto missing = tree.root() / "job";
  EnvironmentOptions options;
  options.root = missing;
  options.probe_devices = false;
  options.hostname = "box";
  const Environment env = Environment::load(options);
  EXPECT_FALSE(std::filesystem::exists(missing));
  EXPECT_EQ(env.current_host(), "box");
  EXPECT_THAT(env.hosts(), ElementsAre("box"));
  EXPECT_THAT(env.instance_groups(), ElementsAre("homogeneousCluster"));
  EXPECT_THAT(env.current_instance_group_hosts(), ElementsAre("box"));
  EXPECT_TRUE(env.channels().empty());
  EXPECT_TRUE(env.hyperparameters().as_dict().empty());
  EXPECT_EQ(env.model_dir(), missing / "model");
  EXPECT_EQ(env.properties().size(), 37U);
  EXPECT_EQ(env.module_name(), "None");  // the toolkit's str(None)
  EXPECT_TRUE(env.user_entry_point().is_null());
}

TEST(Environment, HyperparametersDecodeAsTheToolkitDoes) {
  TestTree tree;
  tree.write_config("hyperparameters.json", R"({
    "epochs": "10", "lr": "1e-5", "name": "\"resnet\"", "raw": "resnet", "t": "True",
    "n": "null", "layers": "[64, 32]", "plain": 7,
    "sagemaker_program": "\"train.py\"", "sagemaker_mpi_enabled": "true",
    "sagemaker_region": "\"us-west-2\""})");
  const Environment env = load(tree);
  EXPECT_EQ(
      env.hyperparameters().to_json(),
      R"({"epochs":10,"layers":[64,32],"lr":1e-05,"n":null,"name":"resnet","plain":7,"raw":"resnet","t":"True"})");
  EXPECT_EQ(env.additional_framework_parameters().to_json(), R"({"sagemaker_mpi_enabled":true})");
  EXPECT_EQ(env.module_name(), "train");
  EXPECT_EQ(env.user_entry_point().as_string(), "train.py");
  EXPECT_EQ(env.hyperparameter("epochs")->as_int64(), 10);
  EXPECT_EQ(env.hyperparameter("missing"), nullptr);

  const auto vars = env_map(env);
  EXPECT_EQ(vars.at("SM_HP_LR"), "1e-05");
  EXPECT_EQ(vars.at("SM_HP_NAME"), "resnet");
  EXPECT_EQ(vars.at("SM_HP_N"), "");
  EXPECT_EQ(vars.at("SM_HP_LAYERS"), "[64,32]");
  EXPECT_EQ(vars.at("SM_FRAMEWORK_PARAMS"), R"({"sagemaker_mpi_enabled":true})");
  EXPECT_EQ(vars.at("SM_DISTRIBUTION_INSTANCE_GROUPS"), R"(["homogeneousCluster"])");
  EXPECT_EQ(vars.count("SM_HP_SAGEMAKER_PROGRAM"), 0U);
}

TEST(Environment, CommandArgumentsFollowTheToolkit) {
  TestTree tree;
  tree.write_config("hyperparameters.json", R"({
    "epochs": "10", "layers": "[64, 32]", "use_bn": "true", "d": "{\"b\": 2, \"a\": \"x y\"}",
    "x": "null", "f": "1e16"})");
  const Environment env = load(tree);
  EXPECT_THAT(env.to_cmd_args(), ElementsAre("-d", "a=x y,b=2", "--epochs", "10", "-f", "1e+16", "--layers",
                                             "[64, 32]", "--use_bn", "True", "-x", ""));
  EXPECT_EQ(
      env_map(env).at("SM_USER_ARGS"),
      R"(["-d","a=x y,b=2","--epochs","10","-f","1e+16","--layers","[64, 32]","--use_bn","True","-x",""])");
}

TEST(Environment, NamesAreOnlyUpperCased) {
  TestTree tree;
  tree.write_config("hyperparameters.json", R"({"learning-rate": "0.1", "\u00df": "1"})");
  tree.write_config("inputdataconfig.json", R"({"val.x-1": {}})");
  const auto vars = env_map(load(tree));
  EXPECT_EQ(vars.at("SM_HP_LEARNING-RATE"), "0.1");
  EXPECT_EQ(vars.at("SM_HP_SS"), "1");
  EXPECT_EQ(vars.at("SM_CHANNEL_VAL.X-1"), (tree.root() / "input/data/val.x-1").string());
}

TEST(Environment, LaterNameCollidingAfterUpperCasingReplacesTheValue) {
  TestTree tree;
  tree.write_config("hyperparameters.json", R"({"a": "1", "A": "2"})");
  const auto vars = load(tree).to_env_vars();
  int count = 0;
  for (const auto& [name, value] : vars) {
    if (name == "SM_HP_A") {
      ++count;
      EXPECT_EQ(value, "2");
    }
  }
  EXPECT_EQ(count, 1);
}

TEST(Environment, HeterogeneousClusterUsesDistributionGroups) {
  TestTree tree;
  tree.write_config("resourceconfig.json", R"({
    "current_host": "algo-4", "hosts": ["algo-1", "algo-2", "algo-3", "algo-4"],
    "current_group_name": "train2", "current_instance_type": "ml.p4d.24xlarge",
    "instance_groups": [
      {"instance_group_name": "train1", "instance_type": "ml.c5.xlarge", "hosts": ["algo-2", "algo-1"]},
      {"instance_group_name": "train2", "instance_type": "ml.p4d.24xlarge", "hosts": ["algo-4", "algo-3"]}]})");
  tree.write_config("hyperparameters.json", R"({"sagemaker_mpi_enabled": "true"})");
  const Environment env = load(tree);
  EXPECT_TRUE(env.is_hetero());
  EXPECT_THAT(env.instance_groups(), ElementsAre("train1", "train2"));
  EXPECT_THAT(env.current_instance_group_hosts(), ElementsAre("algo-4", "algo-3"));
  EXPECT_EQ(env.distribution_instance_groups().to_json(), R"(["train2"])");
  EXPECT_THAT(env.distribution_hosts(), ElementsAre("algo-4", "algo-3"));
  EXPECT_EQ(env.master_hostname(), "algo-4");  // not hosts[0]
  EXPECT_TRUE(env.is_master());
  EXPECT_EQ(env.current_host_rank(), 3U);
  EXPECT_EQ(env.current_instance_type(), "ml.p4d.24xlarge");
}

TEST(Environment, ExplicitDistributionGroupsAsAStringMatchBySubstring) {
  TestTree tree;
  tree.write_config("resourceconfig.json", R"({
    "current_host": "algo-1", "hosts": ["algo-1", "algo-2"],
    "instance_groups": [
      {"instance_group_name": "train", "hosts": ["algo-1"]},
      {"instance_group_name": "eval", "hosts": ["algo-2"]}]})");
  // Python's `"train" in "train1"` is a substring test; the toolkit applies it as written.
  tree.write_config("hyperparameters.json", R"({"sagemaker_distribution_instance_groups": "\"train1\""})");
  const Environment env = load(tree);
  EXPECT_THAT(env.distribution_hosts(), ElementsAre("algo-1"));
  EXPECT_EQ(env_map(env).at("SM_DISTRIBUTION_INSTANCE_GROUPS"), "train1");
}

TEST(Environment, HostRankUsesSortedHosts) {
  TestTree tree;
  tree.write_config("resourceconfig.json",
                    R"({"current_host": "algo-2", "hosts": ["algo-2", "algo-10", "algo-1"]})");
  const Environment env = load(tree);
  EXPECT_THAT(env.hosts(), ElementsAre("algo-2", "algo-10", "algo-1"));  // as written
  EXPECT_EQ(env.current_host_rank(), 2U);                                // algo-1, algo-10, algo-2
  EXPECT_EQ(env.master_hostname(), "algo-2");
}

TEST(Environment, HostRankOfAHostNotListedIsAConfigError) {
  TestTree tree;
  tree.write_config("resourceconfig.json", R"({"current_host": "algo-9", "hosts": ["algo-1"]})");
  const Environment env = load(tree);
  EXPECT_THROW((void)env.current_host_rank(), ConfigError);
}

TEST(Environment, ProcessVariablesFeedTheirProperties) {
  TestTree tree;
  const Environment env = load(tree, {{"SAGEMAKER_PROGRAM", "entry.py"},
                                      {"SAGEMAKER_TRAINING_MODULE", "fw.training:main"},
                                      {"TRAINING_JOB_NAME", "job-1"},
                                      {"SM_HP_MP_PARAMETERS", "{\"partitions\": 2}"}});
  EXPECT_EQ(env.module_name(), "entry");
  EXPECT_EQ(env.user_entry_point().as_string(), "entry.py");
  EXPECT_EQ(env.framework_module(), "fw.training:main");
  EXPECT_EQ(env.job_name(), "job-1");
  EXPECT_TRUE(env.is_modelparallel_enabled());
  EXPECT_EQ(env.property("is_modelparallel_enabled").to_json(), "true");
}

TEST(Environment, ModelParallelFlagKeepsPythonsThreeFalseValues) {
  TestTree tree;
  EXPECT_TRUE(load(tree).property("is_modelparallel_enabled").is_null());
  EXPECT_EQ(load(tree, {{"SM_HP_MP_PARAMETERS", ""}}).property("is_modelparallel_enabled").to_json(), "\"\"");
  EXPECT_EQ(load(tree, {{"SM_HP_MP_PARAMETERS", "{}"}}).property("is_modelparallel_enabled").to_json(),
            "false");
}

TEST(Environment, BaseDirectoryComesFromTheEnvironmentVariable) {
  TestTree tree;
  tree.write_config("resourceconfig.json", R"({"current_host": "h", "hosts": ["h"]})");
  EnvironmentOptions options;
  options.probe_devices = false;
  const std::string root = tree.root().string() + "/";
  options.getenv = [root](const std::string& name) -> std::optional<std::string> {
    if (name == "SAGEMAKER_BASE_DIR") return root;
    return std::nullopt;
  };
  const Environment env = Environment::load(options);
  EXPECT_EQ(env.current_host(), "h");
  EXPECT_EQ(env.property("model_dir").as_string(), root + "model");  // os.path.join keeps one '/'
}

TEST(Environment, ChannelsCarryTheirInputConfig) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({
    "train": {"ContentType": "text/csv; label_size=1", "TrainingInputMode": "File",
              "S3DistributionType": "ShardedByS3Key", "RecordWrapperType": "None"},
    "validation": {"ContentType": "application/x-recordio-protobuf", "TrainingInputMode": "Pipe",
                   "RecordWrapperType": "RecordIO", "CompressionType": "Gzip"},
    "extra": {"TrainingInputMode": "FastFile", "ContentType": ""}})");
  const Environment env = load(tree);
  ASSERT_EQ(env.channels().size(), 3U);
  const ChannelConfig& train = env.channel("train");
  EXPECT_EQ(train.mode, InputMode::kFile);
  EXPECT_EQ(train.distribution, S3Distribution::kShardedByS3Key);
  ASSERT_TRUE(train.content_type.has_value());
  EXPECT_EQ(train.content_type->media_type, "text/csv");
  EXPECT_EQ(train.content_type->parameter("label_size"), "1");
  EXPECT_EQ(train.path, tree.root() / "input/data/train");
  const ChannelConfig& validation = env.channel("validation");
  EXPECT_EQ(validation.mode, InputMode::kPipe);
  EXPECT_EQ(validation.record_wrapper, RecordWrapper::kRecordIO);
  EXPECT_EQ(validation.compression, Compression::kGzip);
  EXPECT_EQ(env.channel("extra").mode, InputMode::kFastFile);
  EXPECT_FALSE(env.channel("extra").content_type.has_value());
  try {
    (void)env.channel("test");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no channel \"test\""));
    EXPECT_THAT(e.what(), HasSubstr("train, validation, extra"));
  }
}

TEST(Environment, TopologyIsExportedOnlyWhenNonEmpty) {
  TestTree tree;
  tree.write_config("resourceconfig.json", R"({"current_host": "a", "hosts": ["a"], "topology": null})");
  EXPECT_EQ(env_map(load(tree)).count("SM_TOPOLOGY"), 0U);
  tree.write_config(
      "resourceconfig.json",
      R"({"current_host": "a", "hosts": ["a"], "topology": [{"hostName": "a", "capacityUnitId": "u1"}]})");
  EXPECT_EQ(env_map(load(tree)).at("SM_TOPOLOGY"), R"([{"capacityUnitId":"u1","hostName":"a"}])");
}

// ---- bad input ---------------------------------------------------------------------------------

ConfigError load_error(const TestTree& tree) {
  try {
    (void)load(tree);
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a ConfigError";
  return ConfigError("none");
}

TEST(EnvironmentErrors, MalformedJsonNamesFileLineAndColumn) {
  TestTree tree;
  tree.write_config("hyperparameters.json", "{\n  \"epochs\": \"10\",\n  \"lr\" \"0.1\"\n}");
  const ConfigError e = load_error(tree);
  EXPECT_THAT(e.what(), HasSubstr("hyperparameters.json"));
  EXPECT_THAT(e.what(), HasSubstr("Expecting ':' delimiter: line 3 column 8"));
  EXPECT_EQ(e.line(), 3U);
  EXPECT_EQ(e.column(), 8U);
  EXPECT_THAT(e.path(), HasSubstr("input/config/hyperparameters.json"));
}

TEST(EnvironmentErrors, EveryConfigFileIsChecked) {
  for (const char* file : {"resourceconfig.json", "inputdataconfig.json", "hyperparameters.json"}) {
    TestTree tree;
    tree.write_config(file, "{\"a\": }");
    const ConfigError e = load_error(tree);
    EXPECT_THAT(e.what(), HasSubstr(file));
    EXPECT_THAT(e.what(), HasSubstr("line 1 column 7"));
  }
}

TEST(EnvironmentErrors, InvalidUtf8NamesTheByteOffset) {
  TestTree tree;
  tree.write_config("hyperparameters.json", "{\"a\": \"\xff\"}");
  EXPECT_THAT(load_error(tree).what(), HasSubstr("byte offset 7: not valid UTF-8"));
}

TEST(EnvironmentErrors, WrongShapesAreRefusedWithWhatWasExpected) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"(["not", "an", "object"])", "expected a JSON object"},
      {R"({"current_host": "a"})", "\"hosts\" is missing"},
      {R"({"current_host": "a", "hosts": []})", "expected a non-empty list of host names"},
      {R"({"hosts": ["a"]})", "\"current_host\" is missing"},
      {R"({"current_host": 1, "hosts": ["a"]})", "\"current_host\" is 1, expected a string"},
      {R"({"current_host": "a", "hosts": ["a"], "instance_groups": [{"hosts": ["a"]}]})",
       "an entry of \"instance_groups\""},
  };
  for (const auto& [json, message] : cases) {
    TestTree tree;
    tree.write_config("resourceconfig.json", json);
    EXPECT_THAT(load_error(tree).what(), HasSubstr(message)) << json;
  }
}

TEST(EnvironmentErrors, ChannelNamesCannotLeaveTheRoot) {
  for (const char* name : {"..", "../etc", "a..b", ".", "a/b", "", "has space", "caf\u00e9",
                           "x123456789012345678901234567890123456789012345678901234567890abcd"}) {
    TestTree tree;
    std::string json = "{";
    json.append(Value::string(name).to_json()).append(": {}}");
    tree.write_config("inputdataconfig.json", json);
    EXPECT_THAT(load_error(tree).what(), HasSubstr("inputdataconfig.json: channel")) << name;
  }
}

TEST(EnvironmentErrors, UnknownChannelSettingsSayWhatIsAllowed) {
  TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "Stream"}})");
  EXPECT_THAT(
      load_error(tree).what(),
      HasSubstr(R"(channel "train": TrainingInputMode is "Stream", expected File, Pipe or FastFile)"));
}

TEST(EnvironmentErrors, ADirectoryInPlaceOfAFileIsNamed) {
  TestTree tree;
  std::filesystem::create_directories(tree.root() / "input/config/resourceconfig.json");
  EXPECT_THAT(load_error(tree).what(), HasSubstr("resourceconfig.json: is a directory"));
}

// Regression: /dev/zero as hyperparameters.json grew to 1.7 GB (its st_size is 0, so the 64 MiB cap
// never applied), and a FIFO there blocked for ever waiting for a writer.
TEST(EnvironmentErrors, ADeviceOrAFifoInPlaceOfAConfigFileIsRefusedAtOnce) {
  TestTree tree;
  std::filesystem::create_directories(tree.root() / "input/config");
  std::filesystem::create_symlink("/dev/zero", tree.root() / "input/config/hyperparameters.json");
  EXPECT_THAT(load_error(tree).what(), HasSubstr("hyperparameters.json: not a regular file"));
  ASSERT_EQ(::mkfifo((tree.root() / "input/config/resourceconfig.json").c_str(), 0600), 0);
  EXPECT_THAT(load_error(tree).what(), HasSubstr("resourceconfig.json: not a regular file"));
}

TEST(SmallFile, ReadsNoMoreThanItsLimit) {
  TestTree tree;
  tree.write("state.json", std::string(1000, 'x'));
  const std::string path = (tree.root() / "state.json").string();
  EXPECT_EQ(env::read_small_file(path, 1000, "a state")->size(), 1000U);
  try {
    (void)env::read_small_file(path, 999, "a state");
    ADD_FAILURE() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("larger than 999 bytes, the limit for a state"));
  }
  EXPECT_FALSE(env::read_small_file((tree.root() / "missing").string(), 10, "a state").has_value());
}

}  // namespace
}  // namespace chanload
