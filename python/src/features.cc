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
  const sgc::CsrMatrix s = sgc::normalized_operator(adj, spec);

  // Zero-copy: the library reads numpy's buffer (and checks it finite).
  if (x.view && norm == sgc::FeatureNorm::None)
    return sgc::apply_operator(s, sgc::FeatureInput(x.dense_view()), spec, rows);

  sgc::Dataset d;
  if (x.sparse) d.features = std::move(x.csr);
  else d.dense_features = x.copy_dense();  // checked finite before normalising
  // z-score densifies sparse features. (A dense X without columns
  // or rows is left alone: the library tells dense from sparse features by size.)
  if (x.sparse || (x.rows > 0 && x.cols > 0)) sgc::normalize_features(d, norm);
  if (!x.sparse || d.has_dense_features())
    return sgc::apply_operator(s, sgc::FeatureInput(std::move(d.dense_features)), spec, rows);
  return sgc::apply_operator(s, sgc::FeatureInput(d.features), spec, rows);
}

}  // namespace sgc_py
