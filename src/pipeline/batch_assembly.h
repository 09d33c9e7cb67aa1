// Batch assembly: a Job whose units are all decoded becomes what a Batch shows. The rows of skipped
// records are closed up, a short last batch is padded (LastBatch::kPad), sparse units' CSR rows and
// raw units' payloads are gathered into the slot in row order, and the device copy is started.
#pragma once

#include <chanload/loader_options.h>

#include <cstddef>

#include "memory/device_transfer.h"
#include "pipeline/batch_job.h"

namespace chanload::pipeline {

struct AssemblyOptions {
  std::size_t batch_size = 0;
  LastBatch last_batch = LastBatch::kKeep;
  DType dtype = DType::kFloat32;
};

// Sets job.data from job's slot, kept units and holes (sorted here). A job with an error, or one
// not to be delivered (a short last batch under LastBatch::kDrop), is left as it is. transfer:
// where dense batches are copied to (nullptr: host only).
void assemble_batch(Job& job, const RowLayout& layout, const AssemblyOptions& options,
                    memory::DeviceTransfer* transfer);

}  // namespace chanload::pipeline
