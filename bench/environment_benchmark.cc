// Cost of the Python-compatible JSON layer: what `chanload env` and Environment::load spend.
#include <benchmark/benchmark.h>

#include <string>

#include "env/py_json.h"
#include "env/python_text.h"

namespace {

std::string hyperparameter_file() {
  std::string json = "{";
  for (int i = 0; i < 100; ++i) {  // the platform's limit: 100 hyperparameters
    if (i != 0) json += ", ";
    json += "\"param_" + std::to_string(i) + "\": \"" +
            (i % 3 == 0   ? "0.0001"
             : i % 3 == 1 ? "[64, 32, 16]"
                          : "\\\"adam\\\"") +
            "\"";
  }
  return json + "}";
}

void BM_ParseHyperparameterFile(benchmark::State& state) {
  const std::string text = hyperparameter_file();
  for (auto _ : state) benchmark::DoNotOptimize(chanload::env::parse_python_json(text));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_ParseHyperparameterFile);

void BM_DumpSortedJson(benchmark::State& state) {
  const chanload::Value value = chanload::env::parse_python_json(hyperparameter_file());
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string out = value.to_json();
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_DumpSortedJson);

void BM_FloatRepr(benchmark::State& state) {
  double x = 1.0e-7;
  for (auto _ : state) {
    benchmark::DoNotOptimize(chanload::env::python_float_repr(x));
    x *= 1.37;
    if (x > 1e300) x = 1.0e-7;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FloatRepr);

}  // namespace
