// Double-precision references for the verifier (OperatorDef::reference): a
// column of features propagated straight from an operator's definition, with
// none of the kernels' blocking, truncation by row sets or float storage.
#pragma once

#include <functional>
#include <vector>

#include <Eigen/Dense>
#include <Eigen/Sparse>

#include "sgc/graph/csr.h"

namespace sgc {

using SparseD = Eigen::SparseMatrix<double, Eigen::RowMajor>;

// A CSR matrix in double precision, through Eigen's own assembly.
inline SparseD to_sparse_double(const CsrMatrix& a) {
  std::vector<Eigen::Triplet<double>> t;
  t.reserve(a.indices.size());
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t e = a.indptr[i]; e < a.indptr[i + 1]; ++e) t.emplace_back(i, a.indices[e], double(a.values[e]));
  SparseD m(a.rows, a.cols);
  m.setFromTriplets(t.begin(), t.end());
  return m;
}

// sum_k w(k) S^k x for k = 0, 1, ... until the weights left (1 - the sum of
// those used, for weights that sum to one) fall below 1e-13, or for k <= last
// when last >= 0 (a finite polynomial).
inline Eigen::VectorXd reference_series(const SparseD& s, Eigen::VectorXd x, const std::function<double(int)>& w,
                                        int last) {
  Eigen::VectorXd out = w(0) * x;
  double used = w(0);
  for (int k = 1; last >= 0 ? k <= last : (1 - used > 1e-13 && k < 1000000); ++k) {
    x = s * x;
    out += w(k) * x;
    used += w(k);
  }
  return out;
}

}  // namespace sgc
