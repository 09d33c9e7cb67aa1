// A training program's first lines: read the job, pick this process's place in the cluster, find the
// training channel. Run it inside a training container, or against any job tree:
//   job_summary [ROOT]
#include <chanload/chanload.h>

#include <iostream>

int main(int argc, char** argv) {
  try {
    const chanload::Environment env =
        argc > 1 ? chanload::Environment::load(argv[1]) : chanload::Environment::load();

    std::cout << "host " << env.current_host() << " is rank " << env.current_host_rank() << " of "
              << env.hosts().size() << (env.is_master() ? " (master)" : "") << '\n';

    const chanload::Value* epochs = env.hyperparameter("epochs");
    std::cout << "epochs: " << (epochs ? epochs->to_python_str() : std::string("(not set)")) << '\n';

    for (const chanload::ChannelConfig& channel : env.channels()) {
      std::cout << "channel " << channel.name << ": " << chanload::to_string(channel.mode) << " mode at "
                << channel.path.string();
      if (channel.content_type) std::cout << ", " << channel.content_type->media_type;
      if (auto label_size =
              channel.content_type ? channel.content_type->parameter("label_size") : std::nullopt) {
        std::cout << " (label_size " << *label_size << ')';
      }
      std::cout << '\n';
    }
    std::cout << "model goes to " << env.model_dir().string() << '\n';
  } catch (const chanload::Error& e) {
    std::cerr << "job_summary: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
