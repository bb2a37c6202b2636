// What the GPU tests share (gpu_test.cc, gpu_streamed_test.cc,
// gpu_row_order_test.cc): the skip on a machine without a GPU, the device
// switch, streaming S and the row order on request,
// operator settings that cover the whole registry, and a graph whose rows
// are longer than a warp.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "sgc/gpu/device.h"
#include "sgc/graph/csr.h"
#include "sgc/ops/operator.h"
#include "test_util.h"

// A GPU test needs a GPU; elsewhere it is skipped with the reason.
#define SKIP_WITHOUT_GPU()                                                                        \
  do {                                                                                            \
    if (const std::string why = ::sgc::cuda_unavailable_reason(); !why.empty()) GTEST_SKIP() << why; \
  } while (0)

namespace sgc::gpu_testing {

// Selects the GPU for one test and the CPU again after it.
struct OnGpu {
  OnGpu() { set_device(Device::Cuda); }
  ~OnGpu() { set_device(Device::Cpu); }
};

// An environment variable set for the scope and unset after it (the GPU
// path's settings are read from the environment at each run).
class SetEnv {
 public:
  SetEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~SetEnv() { unsetenv(name_); }
  SetEnv(const SetEnv&) = delete;
  SetEnv& operator=(const SetEnv&) = delete;

 private:
  const char* name_;
};

// Streams S in blocks of about `bytes` bytes for the scope (gpu/streamed_s.h).
struct StreamS : SetEnv {
  explicit StreamS(const char* bytes) : SetEnv("SGC_GPU_S_BLOCK_BYTES", bytes) {}
};

// Hands rows to the hop kernel's warps in `order` for the scope
// (SGC_GPU_ROW_ORDER: gpu/row_split.h).
struct RowOrderScope : SetEnv {
  explicit RowOrderScope(const char* order) : SetEnv("SGC_GPU_ROW_ORDER", order) {}
};

inline OperatorSpec spec_of(const std::string& op, int k, double t = 5.0, double alpha = 0.1, double tol = 1e-6) {
  return testing::operator_spec(op, k, t, alpha, tol);
}

// Every registry operator, dgc both as a series (T < K) and by Euler steps (T > K).
inline std::vector<OperatorSpec> every_operator() {
  std::vector<OperatorSpec> v{spec_of("sgc", 3),       spec_of("dgc", 40, 4.0), spec_of("dgc", 3, 5.0),
                              spec_of("dgc_naive", 12, 3.0), spec_of("heat", 2, 3.0), spec_of("ssgc", 5, 5, 0.2),
                              spec_of("ppr", 2, 5, 0.3), spec_of("sign", 2),      spec_of("poly", 3)};
  for (const OperatorDef* d : operators()) {
    bool covered = false;
    for (const OperatorSpec& s : v) covered = covered || s.def == d;
    EXPECT_TRUE(covered) << d->name << " is not covered by the GPU tests";
  }
  return v;
}

// A graph with rows longer than a warp (the inserted diagonal's place found
// across lanes), self-loops on some nodes, isolated nodes, weights.
inline CsrMatrix long_row_graph() {
  std::vector<Triplet> t;
  const int n = 400;
  for (int32_t i = 0; i < n - 5; ++i) {
    const int degree = i % 7 == 0 ? 150 : 3;
    for (int e = 0; e < degree; ++e) {
      const int32_t j = int32_t((uint64_t(i) * 2654435761u + uint64_t(e) * 40503u) % uint64_t(n - 5));
      const float w = 0.5f + float((i + e) % 5) * 0.25f;
      t.push_back({i, j, w});
      t.push_back({j, i, w});
    }
  }
  return csr_from_triplets(n, n, std::move(t), /*combine_max=*/true);
}

}  // namespace sgc::gpu_testing
