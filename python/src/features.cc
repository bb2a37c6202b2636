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

// out[0..d) = sum over row i of a of a_ij * x.row(j), in index order: the
// arithmetic of sgc::spmm's row kernel (src/sgc/ops/spmm.cc), on a raw
// row-major buffer instead of a DenseMatrix, so the caller's numpy array is
// read in place. Same summation order -> bitwise the same result.
inline void row_times_buffer(const sgc::CsrMatrix& a, int64_t i, const float* x, int64_t d, float* out) {
  std::fill(out, out + d, 0.0f);
  for (int64_t p = a.indptr[i]; p < a.indptr[i + 1]; ++p) {
    const float v = a.values[p];
    const float* in = x + int64_t(a.indices[p]) * d;
#pragma omp simd
    for (int64_t j = 0; j < d; ++j) out[j] += v * in[j];
  }
}

// True when out[0..d) holds only finite values (vectorised: max of the
// exponent bits, all ones meaning inf or NaN).
inline bool row_finite(const float* out, int64_t d) {
  uint32_t worst = 0;
#pragma omp simd reduction(max : worst)
  for (int64_t j = 0; j < d; ++j) {
    uint32_t bits;
    std::memcpy(&bits, out + j, sizeof bits);
    worst = std::max(worst, bits & 0x7f800000u);
  }
  return worst != 0x7f800000u;
}

// Y = A X (all rows, balanced by non-zeros as sgc::spmm does) or the rows
// `rows` of it (as sgc::spmm_rows does). *nonfinite is set when an output row
// is not finite: a non-finite value in a row of X that A references always
// reaches the output (v * inf, 0 * inf and NaN are all non-finite), so a
// finite result proves those rows of X finite, checked while each output
// row is still in L1 instead of by a separate pass over X.
sgc::DenseMatrix spmm_buffer(const sgc::CsrMatrix& a, const float* x, int64_t d, const std::vector<int32_t>* rows,
                             bool* nonfinite) {
  sgc::DenseMatrix y;
  bool bad = false;
  if (rows) {
    for (int32_t r : *rows)
      if (r < 0 || r >= a.rows) throw sgc::ArgumentError("spmm_rows: row " + std::to_string(r) + " out of range");
    const int64_t m = static_cast<int64_t>(rows->size());
    y.resize(m, d);
#pragma omp parallel for schedule(dynamic, 64) reduction(|| : bad)
    for (int64_t r = 0; r < m; ++r) {
      float* out = y.data() + r * d;
      row_times_buffer(a, (*rows)[size_t(r)], x, d, out);
      bad = bad || !row_finite(out, d);
    }
  } else {
    y.resize(a.rows, d);
    const auto bounds = sgc::balanced_row_partition(a, 8 * omp_get_max_threads());
    const int64_t chunks = static_cast<int64_t>(bounds.size()) - 1;
#pragma omp parallel for schedule(dynamic, 1) reduction(|| : bad)
    for (int64_t c = 0; c < chunks; ++c) {
      for (int64_t i = bounds[size_t(c)]; i < bounds[size_t(c) + 1]; ++i) {
        float* out = y.data() + i * d;
        row_times_buffer(a, i, x, d, out);
        bad = bad || !row_finite(out, d);
      }
    }
  }
  if (nonfinite) *nonfinite = bad;
  return y;
}

// Rows of X that no entry of `a` reads (empty columns of a): their values
// never reach the product, so they are checked here. Most normalisations put
// the diagonal in every row, which settles it in one cheap pass.
void check_unreferenced_rows(const sgc::CsrMatrix& a, const float* x, int64_t d) {
  bool all_diag = true;
#pragma omp parallel for schedule(static) reduction(&& : all_diag)
  for (int64_t i = 0; i < a.rows; ++i) {
    const auto b = a.indices.begin() + a.indptr[i], e = a.indices.begin() + a.indptr[i + 1];
    all_diag = all_diag && std::binary_search(b, e, static_cast<int32_t>(i));
  }
  if (all_diag) return;
  std::vector<uint8_t> used(static_cast<size_t>(a.cols), 0);
  for (int32_t j : a.indices) used[size_t(j)] = 1;
  for (int64_t j = 0; j < a.cols; ++j)
    if (!used[size_t(j)] && !row_finite(x + j * d, d)) check_finite(x, a.cols, d, "X");
}

}  // namespace

void check_finite(const float* x, int64_t rows, int64_t cols, const char* what) {
  const int64_t n = rows * cols;
  // Max of the exponent bits: all ones (0x7f800000) means inf or NaN somewhere.
  uint32_t worst = 0;
#pragma omp parallel for simd reduction(max : worst) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    worst = std::max(worst, bits & 0x7f800000u);
  }
  if (worst != 0x7f800000u) return;
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
    bool nonfinite = false;
    sgc::DenseMatrix h = spmm_buffer(s, x.view, x.cols, first_rows, &nonfinite);
    if (!first_rows) {
      if (nonfinite) check_finite(x.view, x.rows, x.cols, "X");  // throws unless a sum overflowed
      check_unreferenced_rows(s, x.view, x.cols);
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
