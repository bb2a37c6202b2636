#include "sgc/gpu/gpu_operator.h"

#include <string>
#include <utility>

#include "sgc/error.h"
#include "sgc/gpu/cuda_backend.h"
#include "sgc/ops/operator.h"

namespace sgc {

OperatorResult run_operator_on_gpu(const HopProduct& s, FeatureInput x, const HopPlan& plan,
                                   const std::vector<int32_t>* rows, cuda::HopStorage storage) {
  const CsrMatrix* a = s.local();
  if (!a) throw ArgumentError("--device cuda: the GPU path runs on a graph held by one process, not a distributed one");
  if (x.rows() != a->cols)
    throw ArgumentError("GPU propagation: S has " + std::to_string(a->cols) + " columns but the features have " +
                        std::to_string(x.rows()) + " rows");
  if (rows)
    for (int32_t r : *rows)
      if (r < 0 || r >= a->rows) throw ArgumentError("GPU propagation: row " + std::to_string(r) + " out of range");
  const int64_t d = x.cols();
  // Read in place when the features are a view or owned; densify sparse ones.
  DenseMatrix owned;
  const float* data = nullptr;
  if (x.view) {
    data = x.view->data();
  } else {
    owned = std::move(x).take_dense();
    data = owned.data();
  }
  const int64_t out_rows = rows ? int64_t(rows->size()) : a->rows;
  OperatorResult out;
  out.features.resize(out_rows, plan.output_columns(d));
  const cuda::CsrRef ref{a->rows, a->cols, a->nnz(), a->indptr.data(), a->indices.data(), a->values.data()};
  cuda::run_hop_plan(ref, data, d, plan, rows ? rows->data() : nullptr, out_rows, out.features.data(), nullptr,
                     storage);
  out.sparse_products = plan.products();
  return out;
}

std::unique_ptr<cuda::SoftmaxObjective> softmax_objective_on_gpu(FeatureRows x, const std::vector<int32_t>& y,
                                                                 int32_t classes) {
  if (int64_t(y.size()) != x.rows()) throw ArgumentError("softmax regression: label count != rows");
  for (int32_t label : y)
    if (label < 0 || label >= classes)
      throw ArgumentError("softmax regression: label " + std::to_string(label) + " out of range");
  // The device copy wants contiguous rows; a strided view is packed first.
  DenseMatrix packed;
  if (x.outerStride() != x.cols()) packed = x;
  const float* data = packed.size() ? packed.data() : x.data();
  return std::make_unique<cuda::SoftmaxObjective>(data, x.rows(), x.cols(), y.data(), classes);
}

}  // namespace sgc
