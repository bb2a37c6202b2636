// The feature pipeline of the Python API (propagate, the estimator's
// features): see compute_features in common.h. Normalisation, propagation
// and the finite checks are the library's.
#include <string>
#include <utility>

#include "common.h"
#include "sgc/data/dataset.h"
#include "sgc/data/feature_norm.h"
#include "sgc/error.h"
#include "sgc/model/sparse_head.h"

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
  // Chosen rows of large sparse features go the way `sgc train` makes its
  // train and val rows, so that the estimator trains on the same bits.
  if (rows && !rows->empty() && sgc::sparse_head_pays(spec, d.features.rows, d.features.cols)) {
    const std::string summary = sgc::operator_summary(spec);
    sgc::require_operator_products(spec, "operator " + summary);
    const sgc::CsrMatrix s = sgc::normalized_operator(adj, spec);
    sgc::DenseMatrix out =
        sgc::sparse_head_rows(s, d.features, spec, *rows, "operator " + summary + " on the chosen rows");
    sgc::require_finite_output(out, summary);
    return out;
  }
  return run(sgc::FeatureInput(d.features));
}

}  // namespace sgc_py
