// A training-loop skeleton in C++: the job's hyperparameters, the "train" channel through the loader
// (sharded by host, shuffled, batched), a linear model fitted by SGD, and the loader's state kept as
// a checkpoint would keep it.
//
//   example_train_loop [JOB_ROOT]      (default: $SAGEMAKER_BASE_DIR or /opt/ml)
#include <chanload/chanload.h>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  try {
    const chanload::Environment env =
        argc > 1 ? chanload::Environment::load(argv[1]) : chanload::Environment::load();
    const chanload::Value* epochs_value = env.hyperparameter("epochs");
    chanload::LoaderOptions options;
    options.epochs = epochs_value != nullptr && epochs_value->as_int64()
                         ? static_cast<std::uint64_t>(*epochs_value->as_int64())
                         : 1;
    options.batch_size = 64;
    options.shuffle_window = 4096;
    options.seed = 0;
    chanload::Loader loader(env, "train", options);

    std::vector<float> weights;
    float bias = 0;
    const float rate = 0.3F;
    double loss = 0;
    std::size_t rows = 0;
    std::string checkpoint;
    while (auto batch = loader.next()) {
      const std::size_t columns = batch->columns();
      if (weights.empty()) weights.assign(columns, 0.0F);
      const auto x = batch->features();
      const auto y = batch->labels();  // label_size 1: the CSV's first column
      std::vector<float> gradient(columns, 0.0F);
      float bias_gradient = 0;
      loss = 0;
      for (std::size_t r = 0; r < batch->rows(); ++r) {
        float prediction = bias;
        for (std::size_t c = 0; c < columns; ++c) prediction += weights[c] * x[r * columns + c];
        const float error = prediction - y[r * batch->label_size()];
        loss += static_cast<double>(error * error);
        for (std::size_t c = 0; c < columns; ++c) gradient[c] += error * x[r * columns + c];
        bias_gradient += error;
      }
      const auto n = static_cast<float>(batch->rows());
      for (std::size_t c = 0; c < columns; ++c) weights[c] -= rate * 2 * gradient[c] / n;
      bias -= rate * 2 * bias_gradient / n;
      loss /= static_cast<double>(n);
      rows += batch->rows();
      checkpoint = loader.state().to_json();  // what a checkpoint saves to resume the data exactly
    }
    std::printf("host %s (shard %zu of %zu): %zu rows, final batch loss %.4f\n", env.current_host().c_str(),
                loader.shard_index(), loader.num_shards(), rows, loss);
    std::printf("weights");
    for (float w : weights) std::printf(" %.3f", static_cast<double>(w));
    std::printf(" bias %.3f\ncheckpoint %s\n", static_cast<double>(bias), checkpoint.c_str());
    return 0;
  } catch (const chanload::Error& e) {
    std::fprintf(stderr, "train_loop: %s\n", e.what());
    return 1;
  }
}
