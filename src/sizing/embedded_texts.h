// Texts built into the command (CMakeLists.txt generates their definitions from the files named).
#pragma once

#include <string_view>

namespace chanload::sizing {

// data/instance_types.json: the SageMaker instance types `chanload bench --instances` sizes for.
std::string_view builtin_instance_table_json();
// src/sizing/plot_instances.py: draws `chanload bench --plot`'s chart with matplotlib.
std::string_view instance_plot_script();

}  // namespace chanload::sizing
