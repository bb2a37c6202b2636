// DeviceRows' state (gpu/cuda_backend.h): propagated rows left in device
// memory by run_hop_plan, read in place by the softmax head and the logits.
#pragma once

#include <cstdint>
#include <string>

#include "sgc/error.h"
#include "sgc/gpu/cuda/cuda_util.cuh"
#include "sgc/gpu/cuda_backend.h"

namespace sgc::cuda {

struct DeviceRows::State {
  Buffer<float> data;  // rows x cols, row-major
  int64_t rows = 0, cols = 0;
};

// The rows [row0, row0 + n) of x, or ArgumentError naming what asked (the
// module does not trust its caller's bounds).
inline const float* rows_of(const DeviceRows& x, int64_t row0, int64_t n, const char* what) {
  if (row0 < 0 || n <= 0 || row0 + n > x.rows())
    throw ArgumentError(std::string(what) + ": rows [" + std::to_string(row0) + ", " + std::to_string(row0 + n) +
                        ") of device rows holding " + std::to_string(x.rows()));
  return x.state().data.get() + row0 * x.cols();
}

}  // namespace sgc::cuda
