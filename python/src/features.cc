// The feature pipeline of the Python API (propagate, the estimator's
// features): see compute_features in common.h. Normalisation, propagation
// and the finite checks are the library's.
#include <string>
#include <utility>

#include "common.h"
#include "sgc/data/dataset.h"
#include "sgc/data/feature_norm.h"
#include "sgc/error.h"

namespace sgc_py {

sgc::DenseMatrix compute_features(const sgc::CsrMatrix& adj, Features& x, sgc::FeatureNorm norm,
                                  const sgc::OperatorSpec& spec, const std::vector<int32_t>* rows) {
  sgc::validate_operator(spec);
  if (adj.rows != adj.cols)
    throw sgc::ArgumentError("adjacency: shape " + std::to_string(adj.rows) + " x " + std::to_string(adj.cols) +
                             " is not square");
  if (x.rows != adj.rows)
    throw sgc::ArgumentError("X: " + std::to_string(x.rows) + " rows, but the graph has " +
                             std::to_string(adj.rows) + " nodes");
  // S is normalised where it is used (on the GPU with device="cuda").
  auto run = [&](sgc::FeatureInput in) { return sgc::run_operator_on_adjacency(adj, std::move(in), spec, rows).features; };

  // Zero-copy: the library reads numpy's buffer (and checks it finite).
  if (x.view && norm == sgc::FeatureNorm::None) return run(sgc::FeatureInput(x.dense_view()));

  sgc::Dataset d;
  if (x.sparse) d.features = std::move(x.csr);
  else d.dense_features = x.copy_dense();  // checked finite before normalising
  // z-score densifies sparse features. (A dense X without columns
  // or rows is left alone: the library tells dense from sparse features by size.)
  if (x.sparse || (x.rows > 0 && x.cols > 0)) sgc::normalize_features(d, norm);
  if (!x.sparse || d.has_dense_features()) return run(sgc::FeatureInput(std::move(d.dense_features)));
  return run(sgc::FeatureInput(d.features));
}

}  // namespace sgc_py
