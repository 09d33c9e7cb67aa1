// chanload._core: the C++ library seen from Python. The public face is the `chanload` package
// (python_bindings/chanload), which re-exports what is here.
#include <chanload/environment.h>
#include <chanload/errors.h>
#include <chanload/value.h>
#include <chanload/version.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <array>
#include <string>

#include "loader_bindings.h"

namespace py = pybind11;

namespace {

// Value -> the Python object json.loads would have produced (arbitrary-size int, str with any lone
// surrogate intact, dict in insertion order).
py::object to_python(const chanload::Value& value) {
  using Kind = chanload::Value::Kind;
  switch (value.kind()) {
    case Kind::kNull:
      return py::none();
    case Kind::kBool:
      return py::bool_(value.as_bool());
    case Kind::kInt: {
      PyObject* number = PyLong_FromString(value.int_text().c_str(), nullptr, 10);
      if (number == nullptr) throw py::error_already_set();
      return py::reinterpret_steal<py::object>(number);
    }
    case Kind::kFloat:
      return py::float_(value.as_double());
    case Kind::kString: {
      const std::string& text = value.as_string();
      PyObject* str =
          PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "surrogatepass");
      if (str == nullptr) throw py::error_already_set();
      return py::reinterpret_steal<py::object>(str);
    }
    case Kind::kList: {
      py::list list;
      for (const auto& item : value.as_list()) list.append(to_python(item));
      return list;
    }
    case Kind::kDict: {
      py::dict dict;
      for (const auto& [key, item] : value.as_dict()) {
        dict[to_python(chanload::Value::string(key))] = to_python(item);
      }
      return dict;
    }
  }
  return py::none();
}

py::str to_python_str(const std::string& text) {
  return py::reinterpret_steal<py::str>(
      PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "surrogatepass"));
}

chanload::Environment load_environment(const std::optional<std::string>& root, bool probe_devices) {
  chanload::EnvironmentOptions options;
  if (root) options.root = *root;
  options.probe_devices = probe_devices;
  py::gil_scoped_release release;  // reading files and probing devices needs no Python
  return chanload::Environment::load(options);
}

constexpr std::array<const char*, 37> kPropertyNames{"additional_framework_parameters",
                                                     "channel_input_dirs",
                                                     "current_host",
                                                     "current_instance_group",
                                                     "current_instance_group_hosts",
                                                     "current_instance_type",
                                                     "distribution_hosts",
                                                     "distribution_instance_groups",
                                                     "framework_module",
                                                     "hosts",
                                                     "hyperparameters",
                                                     "input_config_dir",
                                                     "input_data_config",
                                                     "input_dir",
                                                     "instance_groups",
                                                     "instance_groups_dict",
                                                     "is_hetero",
                                                     "is_master",
                                                     "is_modelparallel_enabled",
                                                     "is_smddpmprun_installed",
                                                     "is_smddprun_installed",
                                                     "job_name",
                                                     "log_level",
                                                     "master_hostname",
                                                     "model_dir",
                                                     "module_dir",
                                                     "module_name",
                                                     "network_interface_name",
                                                     "num_cpus",
                                                     "num_gpus",
                                                     "num_neurons",
                                                     "output_data_dir",
                                                     "output_dir",
                                                     "output_intermediate_dir",
                                                     "resource_config",
                                                     "topology",
                                                     "user_entry_point"};

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "chanload's C++ core; use the `chanload` package.";
  m.attr("__version__") = chanload::kVersion;

  // Translators registered later are tried first: the base class goes first.
  const auto& error = py::register_exception<chanload::Error>(m, "Error");
  py::register_exception<chanload::ConfigError>(m, "ConfigError", error.ptr());
  py::register_exception<chanload::StoppedError>(m, "StoppedError", error.ptr());
  const auto& io_error = py::register_exception<chanload::IoError>(m, "IoError", error.ptr());
  py::register_exception<chanload::TimeoutError>(m, "TimeoutError", io_error.ptr());
  py::register_exception<chanload::DataError>(m, "DataError", io_error.ptr());

  py::enum_<chanload::InputMode>(m, "InputMode")
      .value("File", chanload::InputMode::kFile)
      .value("Pipe", chanload::InputMode::kPipe)
      .value("FastFile", chanload::InputMode::kFastFile);
  py::enum_<chanload::S3Distribution>(m, "S3Distribution")
      .value("FullyReplicated", chanload::S3Distribution::kFullyReplicated)
      .value("ShardedByS3Key", chanload::S3Distribution::kShardedByS3Key);
  py::enum_<chanload::RecordWrapper>(m, "RecordWrapper")
      .value("None_", chanload::RecordWrapper::kNone)
      .value("RecordIO", chanload::RecordWrapper::kRecordIO);
  py::enum_<chanload::Compression>(m, "Compression")
      .value("None_", chanload::Compression::kNone)
      .value("Gzip", chanload::Compression::kGzip);

  py::class_<chanload::ContentType>(m, "ContentType", "A MIME content type with its parameters.")
      .def_readonly("raw", &chanload::ContentType::raw)
      .def_readonly("media_type", &chanload::ContentType::media_type)
      .def_property_readonly("parameters",
                             [](const chanload::ContentType& t) {
                               py::dict out;
                               for (const auto& [k, v] : t.parameters) out[py::str(k)] = v;
                               return out;
                             })
      .def("parameter", &chanload::ContentType::parameter, py::arg("name"))
      .def("__repr__", [](const chanload::ContentType& t) { return "ContentType(" + t.raw + ")"; });

  py::class_<chanload::ChannelConfig>(m, "ChannelConfig", "One channel of inputdataconfig.json.")
      .def_readonly("name", &chanload::ChannelConfig::name)
      .def_property_readonly("path", [](const chanload::ChannelConfig& c) { return c.path.string(); })
      .def_readonly("mode", &chanload::ChannelConfig::mode)
      .def_readonly("distribution", &chanload::ChannelConfig::distribution)
      .def_readonly("record_wrapper", &chanload::ChannelConfig::record_wrapper)
      .def_readonly("compression", &chanload::ChannelConfig::compression)
      .def_readonly("content_type", &chanload::ChannelConfig::content_type)
      .def("__repr__", [](const chanload::ChannelConfig& c) {
        return "ChannelConfig(" + c.name + ", " + std::string(chanload::to_string(c.mode)) + ")";
      });

  auto environment =
      py::class_<chanload::Environment>(m, "Environment", R"doc(
The training job as the SageMaker training toolkit sees it.

Environment(root=None) reads $SAGEMAKER_BASE_DIR (else /opt/ml) or the given root. Every property of
sagemaker_training.environment.Environment is an attribute with the same name and the same value.
)doc")
          .def(py::init(&load_environment), py::arg("root") = py::none(), py::arg("probe_devices") = true)
          .def(
              "to_env_vars",
              [](const chanload::Environment& env) {
                py::dict out;
                for (const auto& [name, value] : env.to_env_vars()) {
                  out[to_python_str(name)] = to_python_str(value);
                }
                return out;
              },
              "The SM_* variables, exactly as the toolkit's to_env_vars() gives them.")
          .def(
              "to_cmd_args",
              [](const chanload::Environment& env) {
                py::list out;
                for (const auto& arg : env.to_cmd_args()) out.append(to_python_str(arg));
                return out;
              },
              "The user hyperparameters as command-line arguments, as the toolkit's to_cmd_args().")
          .def(
              "properties",
              [](const chanload::Environment& env) {
                py::dict out;
                for (const auto& [name, value] : env.properties()) out[py::str(name)] = to_python(value);
                return out;
              },
              "All 37 properties as a dict (the SM_TRAINING_ENV object).")
          .def_property_readonly("channels", &chanload::Environment::channels)
          .def("channel", &chanload::Environment::channel, py::arg("name"),
               py::return_value_policy::reference_internal)
          .def_property_readonly("current_host_rank", &chanload::Environment::current_host_rank,
                                 "Index of current_host among the sorted hosts.")
          .def_property_readonly("root",
                                 [](const chanload::Environment& env) { return env.root().string(); });
  bind_loader(m);

  for (const char* name : kPropertyNames) {
    const std::string key = name;
    environment.def_property_readonly(
        name, [key](const chanload::Environment& env) { return to_python(env.property(key)); });
  }
}
