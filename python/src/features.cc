// The feature pipeline of the Python API (propagate, the estimator's
// features): see compute_features in common.h.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common.h"
#include "sgc/data/dataset.h"
#include "sgc/error.h"
#include "sgc/ops/spmm.h"

namespace sgc_py {

namespace {

bool worth_threads(int64_t work) { return work > (int64_t(1) << 18); }

// Y = A X (rows == nullptr) or the rows `rows` of it, by the library's kernels
// reading the caller's numpy buffer in place. *nonfinite is set when an
// output entry is not finite: a non-finite value in a row of X that A
// references always reaches the output (v * inf, 0 * inf and NaN are all
// non-finite), so a finite result proves those rows of X finite without a
// separate pass over X. *all_diagonal is set when every row of A (all rows
// computed) has its diagonal entry, so every row of X was read.
sgc::DenseMatrix spmm_buffer(const sgc::CsrMatrix& a, const float* x, int64_t d, const std::vector<int32_t>* rows,
                             bool* nonfinite, bool* all_diagonal) {
  const sgc::DenseView view(x, a.cols, d);
  sgc::DenseMatrix y;
  if (rows) sgc::spmm_rows(a, view, *rows, y);
  else sgc::spmm(a, view, y);
  bool bad = false;
#pragma omp parallel for schedule(static) reduction(|| : bad) if (worth_threads(y.size()))
  for (int64_t i = 0; i < y.rows(); ++i) bad = bad || !all_finite(y.data() + i * d, d);
  bool diag = !rows;
  for (int64_t i = 0; diag && i < a.rows; ++i)
    diag = std::binary_search(a.indices.begin() + a.indptr[i], a.indices.begin() + a.indptr[i + 1], int32_t(i));
  if (nonfinite) *nonfinite = bad;
  if (all_diagonal) *all_diagonal = diag;
  return y;
}

// Rows of X that no entry of `a` reads (empty columns of a): their values
// never reach the product, so they are checked here. Most normalisations put
// the diagonal in every row (all_diagonal, found by the product itself),
// which settles it at once.
void check_unreferenced_rows(const sgc::CsrMatrix& a, const float* x, int64_t d, bool all_diagonal) {
  if (all_diagonal) return;
  std::vector<uint8_t> used(static_cast<size_t>(a.cols), 0);
  for (int32_t j : a.indices) used[size_t(j)] = 1;
  for (int64_t j = 0; j < a.cols; ++j)
    if (!used[size_t(j)] && !all_finite(x + j * d, d)) check_finite(x, a.cols, d, "X");
}

}  // namespace

void check_finite(const float* x, int64_t rows, int64_t cols, const char* what) {
  bool ok = true;
#pragma omp parallel for schedule(static) reduction(&& : ok) if (worth_threads(rows * cols))
  for (int64_t i = 0; i < rows; ++i) ok = ok && all_finite(x + i * cols, cols);
  if (ok) return;
  const int64_t n = rows * cols;
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i]))
      throw sgc::ArgumentError(std::string(what) + ": non-finite value " + std::to_string(x[i]) + " at row " +
                               std::to_string(i / cols) + ", column " + std::to_string(i % cols));
}

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

  if (x.sparse) {
    sgc::Dataset d;
    d.features = std::move(x.csr);
    sgc::normalize_features(d, norm);  // zscore densifies
    if (d.has_dense_features()) return sgc::apply_operator(s, std::move(d.dense_features), spec, rows);
    return sgc::apply_operator(s, d.features, spec, rows);
  }

  if (x.view && norm == sgc::FeatureNorm::None && spec.op == "sgc" && spec.k >= 1) {
    // Zero-copy: S^K X = S^(K-1) (S X), the first product reading numpy's buffer.
    const std::vector<int32_t>* first_rows = spec.k == 1 ? rows : nullptr;
    if (first_rows) check_finite(x.view, x.rows, x.cols, "X");  // only some rows are read
    bool nonfinite = false, all_diagonal = false;
    sgc::DenseMatrix h = spmm_buffer(s, x.view, x.cols, first_rows, &nonfinite, &all_diagonal);
    if (!first_rows) {
      if (nonfinite) check_finite(x.view, x.rows, x.cols, "X");  // throws unless a sum overflowed
      check_unreferenced_rows(s, x.view, x.cols, all_diagonal);
    }
    if (spec.k == 1) return h;
    sgc::OperatorSpec rest = spec;
    rest.k = spec.k - 1;
    return sgc::apply_operator(s, std::move(h), rest, rows);
  }

  sgc::DenseMatrix m = x.copy_dense();
  if (norm != sgc::FeatureNorm::None && m.size() > 0) {
    sgc::Dataset d;
    d.dense_features = std::move(m);
    sgc::normalize_features(d, norm);
    m = std::move(d.dense_features);
  }
  return sgc::apply_operator(s, std::move(m), spec, rows);
}

}  // namespace sgc_py
