#include "sgc/gpu/gpu_operator.h"

#include <stdexcept>
#include <string>
#include <utility>

#include "sgc/error.h"
#include "sgc/gpu/cuda_backend.h"
#include "sgc/graph/normalizations.h"
#include "sgc/ops/operator.h"

namespace sgc {

namespace {

// m is S, or A with the form S is built from on the device.
OperatorResult run_on_gpu(const CsrMatrix& m, const NormalizationForm* form, FeatureInput x, const HopPlan& plan,
                          const std::vector<int32_t>* rows, cuda::HopStorage storage, bool keep_on_device) {
  const char* name = form ? "A" : "S";
  if (x.rows() != m.cols)
    throw ArgumentError(std::string("GPU propagation: ") + name + " has " + std::to_string(m.cols) +
                        " columns but the features have " + std::to_string(x.rows()) + " rows");
  // The requested rows are checked by the module, which indexes by them.
  const int64_t d = x.cols();
  const int64_t out_rows = rows ? int64_t(rows->size()) : m.rows;
  // Read in place when the features are a view or owned; densify sparse ones.
  DenseMatrix owned;
  const float* data = nullptr;
  if (x.view) {
    data = x.view->data();
  } else {
    owned = std::move(x).take_dense();
    data = owned.data();
  }
  OperatorResult out;
  out.features.resize(out_rows, plan.output_columns(d));
  std::unique_ptr<cuda::DeviceRows> kept;
  const auto run = [&](const CsrMatrix& s, const NormalizationForm* f) {
    cuda::run_hop_plan(csr_ref(s), data, d, plan, rows ? rows->data() : nullptr, out_rows, out.features.data(), nullptr,
                       storage, f, keep_on_device ? &kept : nullptr);
  };
  // S streamed in row blocks is read from the host, so S is built here when
  // built from A it would stream: as the module answers before the run, or
  // when free device memory shrank between that answer and the run (the
  // module then refuses to normalise S it cannot hold).
  const auto streams = [&] { return cuda::streams_s(csr_ref(m), d, plan, out_rows, rows != nullptr, storage, true); };
  if (!form) {
    run(m, nullptr);
  } else if (streams()) {
    run(normalize_by_form(m, *form), nullptr);
  } else {
    try {
      run(m, form);
    } catch (const ResourceError&) {
      if (!streams()) throw;
      run(normalize_by_form(m, *form), nullptr);
    }
  }
  out.on_device = std::move(kept);
  out.sparse_products = plan.products();
  return out;
}

}  // namespace

OperatorResult run_operator_on_gpu(const HopProduct& s, FeatureInput x, const HopPlan& plan,
                                   const std::vector<int32_t>* rows, cuda::HopStorage storage) {
  const CsrMatrix* a = s.local();
  if (!a) throw ArgumentError("--device cuda: the GPU path runs on a graph held by one process, not a distributed one");
  return run_on_gpu(*a, nullptr, std::move(x), plan, rows, storage, false);
}

OperatorResult run_operator_on_gpu(const CsrMatrix& adj, const NormalizationForm& form, FeatureInput x,
                                   const HopPlan& plan, const std::vector<int32_t>* rows, cuda::HopStorage storage,
                                   bool keep_on_device) {
  return run_on_gpu(adj, &form, std::move(x), plan, rows, storage, keep_on_device);
}

CsrMatrix normalize_on_gpu(const CsrMatrix& adj, const NormalizationForm& form) {
  CsrMatrix s;
  s.rows = adj.rows;
  s.cols = adj.cols;
  s.indptr.resize(size_t(adj.rows) + 1);
  const int64_t capacity = adj.nnz() + adj.rows;
  s.indices.resize(size_t(capacity));
  s.values.resize(size_t(capacity));
  const int64_t nnz = cuda::normalize_on_gpu(csr_ref(adj), form, s.indptr.data(), s.indices.data(), s.values.data(), capacity);
  s.indices.resize(size_t(nnz));
  s.values.resize(size_t(nnz));
  return s;
}

namespace {
void require_resident(FeatureRows x, const DeviceSlice& r, const char* what) {
  if (!r.rows || r.row0 < 0 || r.row0 + x.rows() > r.rows->rows() || r.rows->cols() != x.cols())
    throw std::logic_error(std::string(what) + ": the rows on the device are not the host's rows");
}
}  // namespace

std::unique_ptr<cuda::SoftmaxObjective> softmax_objective_on_gpu(FeatureRows x, const std::vector<int32_t>& y,
                                                                 int32_t classes, const DeviceSlice* resident) {
  if (int64_t(y.size()) != x.rows()) throw ArgumentError("softmax regression: label count != rows");
  // The labels are checked by the module, which indexes by them.
  if (resident) {
    require_resident(x, *resident, "softmax_objective_on_gpu");
    return std::make_unique<cuda::SoftmaxObjective>(resident->rows, resident->row0, x.rows(), y.data(), classes);
  }
  // The device copy wants contiguous rows; a strided view is packed first.
  DenseMatrix packed;
  if (x.outerStride() != x.cols()) packed = x;
  const float* data = packed.size() ? packed.data() : x.data();
  return std::make_unique<cuda::SoftmaxObjective>(data, x.rows(), x.cols(), y.data(), classes);
}

DenseMatrix softmax_logits_on_gpu(const SoftmaxModel& m, FeatureRows x, const DeviceSlice& resident) {
  require_resident(x, resident, "softmax_logits_on_gpu");
  if (m.dim != x.cols()) throw ArgumentError("softmax logits: the model's width differs from the features'");
  DenseMatrix logits(x.rows(), m.classes);
  if (x.rows() > 0)
    cuda::device_logits(*resident.rows, resident.row0, x.rows(), m.theta.data(), m.classes, logits.data());
  return logits;
}

}  // namespace sgc
