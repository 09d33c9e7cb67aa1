// chanload._core.Loader and Batch: the C++ loader from Python. Batches' arrays are NumPy views of
// the loader's pooled (pinned) buffers: no copy, and each view keeps its batch's buffer out of the
// pool for as long as it lives. Device batches export DLPack capsules with the stream protocol.
#include <chanload/errors.h>
#include <chanload/loader.h>
#include <chanload/loader_option_table.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <chrono>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>

#include "dlpack.h"
#include "loader_bindings.h"
#include "pipeline/sharding.h"

namespace py = pybind11;
using namespace chanload;

namespace {

// A capsule owning a copy of the Batch (a shared reference to its slot): the base of every view.
py::capsule keep_alive(const Batch& batch) {
  return py::capsule(new Batch(batch), [](void* p) { delete static_cast<Batch*>(p); });
}

template <typename T>
py::array view(const Batch& batch, std::span<const T> data, std::size_t rows, std::size_t columns) {
  const std::array<py::ssize_t, 2> shape{static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(columns)};
  const std::array<py::ssize_t, 2> strides{static_cast<py::ssize_t>(columns * sizeof(T)),
                                           static_cast<py::ssize_t>(sizeof(T))};
  return py::array(py::dtype::of<T>(), shape, strides, data.data(), keep_alive(batch));
}

template <typename T>
py::array view1(const Batch& batch, std::span<const T> data) {
  return py::array(py::dtype::of<T>(), {static_cast<py::ssize_t>(data.size())},
                   {static_cast<py::ssize_t>(sizeof(T))}, data.data(), keep_alive(batch));
}

// A device array (features or labels of a batch on a GPU), exported through DLPack.
struct DeviceArray {
  Batch batch;
  const void* data;  // of batch.dtype()
  std::array<std::int64_t, 2> shape;

  struct Context {
    Batch batch;
    std::array<std::int64_t, 2> shape;
    DLManagedTensor tensor{};
  };

  py::capsule dlpack(const py::object& stream) const {
    // The consumer's stream waits for the copy (no host sync); None: the legacy default stream.
    // Per the protocol, 1 means the legacy default stream and 2 the per-thread default stream.
    if (stream.is_none()) {
      batch.wait_on(nullptr);
    } else {
      const auto value = stream.cast<std::intptr_t>();
      // -1: the consumer asks for no synchronisation. Otherwise the value is a cudaStream_t (1 and 2
      // are cudaStreamLegacy and cudaStreamPerThread, the same handles CUDA uses).
      if (value != -1) batch.wait_on(reinterpret_cast<void*>(value));  // NOLINT(performance-no-int-to-ptr)
    }
    auto* context = new Context{batch, shape, {}};
    DLTensor& t = context->tensor.dl_tensor;
    t.data = const_cast<void*>(data);
    t.device = {kDLCUDA, batch.device()};
    t.ndim = 2;
    t.dtype = {kDLFloat, static_cast<std::uint8_t>(size_of(batch.dtype()) * 8), 1};
    t.shape = context->shape.data();
    t.strides = nullptr;
    t.byte_offset = 0;
    context->tensor.manager_ctx = context;
    context->tensor.deleter = [](DLManagedTensor* self) { delete static_cast<Context*>(self->manager_ctx); };
    return py::capsule(&context->tensor, "dltensor", [](PyObject* capsule) {
      // A consumer renames a capsule it took to "used_dltensor"; an unused one is ours to free.
      if (PyCapsule_IsValid(capsule, "dltensor") != 0) {
        auto* tensor = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, "dltensor"));
        tensor->deleter(tensor);
      }
    });
  }
};

std::string kind_name(BatchKind kind) {
  switch (kind) {
    case BatchKind::kDense:
      return "dense";
    case BatchKind::kSparse:
      return "sparse";
    case BatchKind::kRaw:
      return "raw";
  }
  return "?";
}

// A dense or sparse batch's numeric arrays as NumPy views of its dtype.
py::array features_view(const Batch& b) {
  if (b.dtype() == DType::kFloat64) return view(b, b.features_f64(), b.rows(), b.columns());
  return view(b, b.features(), b.rows(), b.columns());
}
py::array labels_view(const Batch& b) {
  if (b.dtype() == DType::kFloat64) return view(b, b.labels_f64(), b.rows(), b.label_size());
  return view(b, b.labels(), b.rows(), b.label_size());
}
py::array values_view(const Batch& b) {
  if (b.dtype() == DType::kFloat64) return view1(b, b.values_f64());
  return view1(b, b.values());
}

// dtype="float32"/"float64", or anything numpy.dtype() takes (numpy.float64, numpy.dtype("f8")).
DType dtype_option(const py::object& value) {
  if (py::isinstance<py::str>(value)) return parse_dtype(value.cast<std::string>());
  py::object name;
  try {
    name = py::module_::import("numpy").attr("dtype")(value).attr("name");
  } catch (const py::error_already_set&) {
    throw ConfigError("loader option dtype: " + py::repr(value).cast<std::string>() +
                      " is not float32 or float64");
  }
  return parse_dtype(name.cast<std::string>());
}

std::string state_json(const py::object& resume) {
  if (py::isinstance<py::str>(resume)) return resume.cast<std::string>();
  return py::module_::import("json").attr("dumps")(resume).cast<std::string>();
}

// A keyword's value as the table's kind of the option takes it. pybind11's own message for a bad
// value names no option ("Unable to cast Python instance to C++ type '?'"), and it takes -1 or 2**64
// for an unsigned count as its own kind of failure: every value is converted here, with the option's
// name and what it takes; ranges and spellings are the table's (LoaderOptionsBuilder::set).
LoaderOptionValue option_value(const LoaderOptionSpec& spec, const py::handle& value) {
  const auto refuse = [&](const std::string& expected) -> LoaderOptionValue {
    throw ConfigError("loader option " + std::string(spec.name) + ": " + py::repr(value).cast<std::string>() +
                      " is not " + expected);
  };
  switch (spec.kind) {
    case LoaderOptionKind::kFlag:
      if (!py::isinstance<py::bool_>(value)) return refuse("True or False");
      return value.cast<bool>();
    case LoaderOptionKind::kCount: {
      // operator.index() takes int and numpy's integer scalars (np.int64, np.uint64) and refuses
      // floats; bool is an int to Python but never a count.
      if (py::isinstance<py::bool_>(value)) return refuse("an integer");
      PyObject* index = PyNumber_Index(value.ptr());
      if (index == nullptr) {
        PyErr_Clear();
        return refuse("an integer");
      }
      const auto number = py::reinterpret_steal<py::int_>(index);
      if (number < py::int_(0) || number > py::int_(std::numeric_limits<std::uint64_t>::max()))
        return refuse("an integer in 0.." + std::to_string(std::numeric_limits<std::uint64_t>::max()));
      return number.cast<std::uint64_t>();
    }
    case LoaderOptionKind::kSeconds: {
      if (py::isinstance<py::bool_>(value)) return refuse("a number");
      const double number = PyFloat_AsDouble(value.ptr());  // float, int, numpy.float32, __float__
      if (number == -1.0 && PyErr_Occurred() != nullptr) {
        PyErr_Clear();
        return refuse("a number");
      }
      return number;
    }
    case LoaderOptionKind::kState:
      return state_json(py::reinterpret_borrow<py::object>(value));
    case LoaderOptionKind::kChoice:
      if (spec.name == "dtype" && !py::isinstance<py::str>(value))
        return std::string(to_string(dtype_option(py::reinterpret_borrow<py::object>(value))));
      [[fallthrough]];
    case LoaderOptionKind::kCharacter:
    case LoaderOptionKind::kText:
      if (!py::isinstance<py::str>(value)) return refuse("a string");
      return value.cast<std::string>();
  }
  return refuse("a value of this option");
}

std::unique_ptr<Loader> open_loader(const std::string& channel, const std::optional<std::string>& root,
                                    const py::kwargs& kwargs) {
  // Every keyword is an option of the one table; None leaves an option to its default.
  LoaderOptionsBuilder builder;
  for (const auto& [key, value] : kwargs) {
    const auto name = key.cast<std::string>();
    const LoaderOptionSpec* spec = find_loader_option(name);
    if (spec == nullptr) throw py::type_error("Loader() got an unexpected keyword argument '" + name + "'");
    if (!value.is_none()) builder.set(name, option_value(*spec, value));
  }
  const LoaderOptions options = builder.build();
  EnvironmentOptions env_options;
  if (root) env_options.root = *root;
  env_options.probe_devices = false;
  py::gil_scoped_release release;
  const Environment environment = Environment::load(env_options);
  return std::make_unique<Loader>(environment, channel, options);
}

// next() with the GIL released, waking every 50 ms to let Python handle a signal (Ctrl-C raises
// KeyboardInterrupt here, even while the loader waits for a FIFO's writer).
std::optional<Batch> next_batch(Loader& loader) {
  while (true) {
    bool timed_out = false;
    std::optional<Batch> batch;
    {
      py::gil_scoped_release release;
      batch = loader.next(std::chrono::milliseconds(50), timed_out);
    }
    if (!timed_out) return batch;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  }
}

}  // namespace

// The table as Python sees it: chanload.Loader's signature and docs are built from this list.
py::list option_table() {
  py::list table;
  for (const LoaderOptionSpec& spec : loader_option_specs()) {
    const std::string text(spec.default_text);
    py::object default_value = py::none();
    const char* kind = "text";
    switch (spec.kind) {
      case LoaderOptionKind::kFlag:
        kind = "flag";
        if (!text.empty()) default_value = py::bool_(text == "true");
        break;
      case LoaderOptionKind::kCount:
        kind = "count";
        if (!text.empty()) default_value = py::int_(std::stoull(text));
        break;
      case LoaderOptionKind::kSeconds:
        kind = "seconds";
        if (!text.empty()) default_value = py::float_(std::stod(text));
        break;
      case LoaderOptionKind::kCharacter:
        kind = "character";
        break;
      case LoaderOptionKind::kChoice:
        kind = "choice";
        break;
      case LoaderOptionKind::kText:
        break;
      case LoaderOptionKind::kState:
        kind = "state";
        break;
    }
    if (default_value.is_none() && !text.empty()) default_value = py::str(text);
    py::list choices;
    for (const std::string_view choice : spec.choices) choices.append(py::str(std::string(choice)));
    py::dict entry;
    entry["name"] = std::string(spec.name);
    entry["kind"] = kind;
    entry["choices"] = choices;
    entry["default"] = default_value;
    entry["command_flag"] = command_flag(spec.name);
    entry["help"] = std::string(spec.help);
    table.append(entry);
  }
  return table;
}

void bind_loader(py::module_& m) {
  m.def("loader_options", &option_table,
        "The loader's options, one dict each (name, kind, choices, default, command_flag, help): the "
        "table chanload.Loader, `chanload read` and C++'s LoaderOptionsBuilder share.");
  m.def(
      "resolve_sharding",
      [](const std::string& channel, const std::optional<std::string>& root) {
        EnvironmentOptions env_options;
        if (root) env_options.root = *root;
        env_options.probe_devices = false;
        const Environment environment = Environment::load(env_options);
        const pipeline::Sharding sharding =
            pipeline::resolve_sharding(environment, environment.channel(channel), std::nullopt, std::nullopt,
                                       pipeline::variables_of(environment));
        return py::make_tuple(sharding.num_shards, sharding.shard_index);
      },
      py::arg("channel"), py::arg("root") = py::none(),
      "(num_shards, shard_index) the loader would take by default for this channel in this process.");

  py::class_<DeviceArray>(m, "DeviceArray",
                          "A float32 or float64 array on a GPU, for torch.from_dlpack (stream protocol).")
      .def("__dlpack__", &DeviceArray::dlpack, py::kw_only(), py::arg("stream") = py::none())
      .def("__dlpack_device__",
           [](const DeviceArray& a) { return py::make_tuple(int{kDLCUDA}, a.batch.device()); })
      .def_property_readonly("shape",
                             [](const DeviceArray& a) { return py::make_tuple(a.shape[0], a.shape[1]); });

  py::class_<Batch>(m, "Batch", R"doc(
One batch. features and labels are NumPy arrays (rows x columns, rows x label_size) of the loader's
dtype (float32 or float64) that view the loader's batch buffer: no copy is made, and the buffer
stays valid while any view lives.
)doc")
      .def_property_readonly("kind", [](const Batch& b) { return kind_name(b.kind()); })
      .def_property_readonly("rows", &Batch::rows)
      .def_property_readonly("padding_rows", &Batch::padding_rows)
      .def_property_readonly("skipped_records", &Batch::skipped_records)
      .def_property_readonly("columns", &Batch::columns)
      .def_property_readonly("label_size", &Batch::label_size)
      .def_property_readonly("epoch", &Batch::epoch)
      .def_property_readonly("index", &Batch::index)
      .def_property_readonly("last_in_epoch", &Batch::last_in_epoch)
      .def_property_readonly("dtype", [](const Batch& b) { return std::string(to_string(b.dtype())); })
      .def_property_readonly("pinned", &Batch::pinned)
      .def_property_readonly("device",
                             [](const Batch& b) -> py::object {
                               if (b.device() < 0) return py::str("cpu");
                               return py::str("cuda:" + std::to_string(b.device()));
                             })
      .def_property_readonly("features",
                             [](const Batch& b) -> py::object {
                               if (b.kind() != BatchKind::kDense) return py::none();
                               return features_view(b);
                             })
      .def_property_readonly("labels",
                             [](const Batch& b) -> py::object {
                               if (b.kind() == BatchKind::kRaw) return py::none();
                               return labels_view(b);
                             })
      .def_property_readonly("indptr",
                             [](const Batch& b) -> py::object {
                               if (b.kind() != BatchKind::kSparse) return py::none();
                               return view1(b, b.indptr());
                             })
      .def_property_readonly("indices",
                             [](const Batch& b) -> py::object {
                               if (b.kind() != BatchKind::kSparse) return py::none();
                               return view1(b, b.indices());
                             })
      .def_property_readonly("values",
                             [](const Batch& b) -> py::object {
                               if (b.kind() != BatchKind::kSparse) return py::none();
                               return values_view(b);
                             })
      .def_property_readonly("shape", [](const Batch& b) { return py::make_tuple(b.rows(), b.columns()); })
      .def_property_readonly("payloads",
                             [](const Batch& b) -> py::object {
                               if (b.kind() != BatchKind::kRaw) return py::none();
                               return view1(b, b.payloads());
                             })
      .def_property_readonly("offsets",
                             [](const Batch& b) -> py::object {
                               if (b.kind() != BatchKind::kRaw) return py::none();
                               return view1(b, b.offsets());
                             })
      .def(
          "payload",
          [](const Batch& b, std::size_t row) {
            const auto p = b.payload(row);
            return py::bytes(reinterpret_cast<const char*>(p.data()), p.size());
          },
          py::arg("row"))
      .def_property_readonly("device_features",
                             [](const Batch& b) -> py::object {
                               if (b.device() < 0 || b.kind() != BatchKind::kDense) return py::none();
                               return py::cast(DeviceArray{b,
                                                           b.device_features_data(),
                                                           {static_cast<std::int64_t>(b.rows()),
                                                            static_cast<std::int64_t>(b.columns())}});
                             })
      .def_property_readonly("device_labels", [](const Batch& b) -> py::object {
        if (b.device() < 0 || b.kind() != BatchKind::kDense) return py::none();
        return py::cast(
            DeviceArray{b,
                        b.device_labels_data(),
                        {static_cast<std::int64_t>(b.rows()), static_cast<std::int64_t>(b.label_size())}});
      });

  py::class_<Loader>(m, "Loader", R"doc(
A channel's records as batches: sharded, shuffled, decoded in parallel, prefetched.

Loader(channel, root=None, **options) takes the C++ LoaderOptions by name (see chanload.Loader).
)doc")
      .def(py::init(&open_loader), py::arg("channel"), py::arg("root") = py::none())
      .def(
          "next", [](Loader& loader) -> std::optional<Batch> { return next_batch(loader); },
          "The next batch, or None at the end.")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__",
           [](Loader& loader) {
             auto batch = next_batch(loader);
             if (!batch) throw py::stop_iteration();
             return *batch;
           })
      .def("state_json", [](const Loader& loader) { return loader.state().to_json(); })
      .def("stop", &Loader::stop, py::call_guard<py::gil_scoped_release>())
      .def("stats_json", [](const Loader& loader) { return loader.stats().to_json(); })
      .def_property_readonly("format", &Loader::format)
      .def_property_readonly("num_shards", &Loader::num_shards)
      .def_property_readonly("shard_index", &Loader::shard_index)
      .def_property_readonly("sharding_reason", &Loader::sharding_reason)
      .def_property_readonly("threads", &Loader::threads)
      .def_property_readonly("objects_in_flight", &Loader::objects_in_flight);
}
