// Registers chanload._core.Loader, Batch and DeviceArray.
#pragma once

#include <pybind11/pybind11.h>

void bind_loader(pybind11::module_& m);
