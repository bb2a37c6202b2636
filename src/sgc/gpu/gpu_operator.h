// Registry operators and the softmax head on the GPU (gpu/device.h): the
// library's types in, gpu/cuda_backend.h's plain buffers out.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sgc/dense.h"
#include "sgc/gpu/cuda_backend.h"
#include "sgc/graph/csr.h"
#include "sgc/graph/normalization_form.h"
#include "sgc/model/softmax_regression.h"
#include "sgc/ops/hop_plan.h"
#include "sgc/ops/hop_product.h"

namespace sgc {

struct FeatureInput;
struct OperatorResult;

// The CUDA side's view of a CSR matrix held here.
inline cuda::CsrRef csr_ref(const CsrMatrix& m) {
  return {m.rows, m.cols, m.nnz(), m.indptr.data(), m.indices.data(), m.values.data()};
}

// The plan's output on the GPU, for every node or the nodes in *rows (in that
// order). S must be in this process's memory (not a distributed product);
// sparse features are densified on the host first. `storage`: how X and the
// hops are kept (16 bits for operators that honour --precision).
OperatorResult run_operator_on_gpu(const HopProduct& s, FeatureInput x, const HopPlan& plan,
                                   const std::vector<int32_t>* rows,
                                   cuda::HopStorage storage = cuda::HopStorage::Fp32);

// The same with S built on the GPU from the adjacency by `form`
// (graph/normalizations.h's normalization_form): A crosses the bus, not S.
// keep_on_device: the output also stays in GPU memory (OperatorResult::on_device).
OperatorResult run_operator_on_gpu(const CsrMatrix& adj, const NormalizationForm& form, FeatureInput x,
                                   const HopPlan& plan, const std::vector<int32_t>* rows,
                                   cuda::HopStorage storage = cuda::HopStorage::Fp32, bool keep_on_device = false);

// S = form(A) built on the GPU and copied back (the GPU tests' view of it).
CsrMatrix normalize_on_gpu(const CsrMatrix& adj, const NormalizationForm& form);

// Rows already in GPU memory: rows [row0, row0 + n) of `rows` are the host's
// rows of some FeatureRows (n = its row count), equal entry for entry.
struct DeviceSlice {
  std::shared_ptr<const cuda::DeviceRows> rows;
  int64_t row0 = 0;
};

// The softmax regression's mean cross-entropy on (x, y) with x and y on the
// GPU: x read in place from `resident` when given (it must hold x's rows),
// else uploaded once (labels checked against `classes` first).
std::unique_ptr<cuda::SoftmaxObjective> softmax_objective_on_gpu(FeatureRows x, const std::vector<int32_t>& y,
                                                                 int32_t classes,
                                                                 const DeviceSlice* resident = nullptr);

// The head's logits x W + b from rows already on the GPU (resident holds x's
// rows): only the weights go up and the logits come down.
DenseMatrix softmax_logits_on_gpu(const SoftmaxModel& m, FeatureRows x, const DeviceSlice& resident);

}  // namespace sgc
