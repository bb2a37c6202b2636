// See normalize.h for the formulas.
#include "sgc/graph/normalize.h"

#include <cmath>
#include <vector>

#include "sgc/error.h"
#include "sgc/util/budget.h"
#include "sgc/util/progress.h"

namespace sgc {

CsrMatrix aug_norm_adj(const CsrMatrix& adj, float g) {
  if (adj.rows != adj.cols) throw ArgumentError("aug_norm_adj: adjacency must be square");
  const int64_t n = adj.rows;
  // Degree of A + gI, accumulated in double so long rows do not lose mass.
  std::vector<double> inv_sqrt_deg(n);
  std::vector<int64_t> has_diag(n, 0);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    double d = g;
    for (int64_t p = adj.indptr[i]; p < adj.indptr[i + 1]; ++p) {
      d += adj.values[p];
      if (adj.indices[p] == i) has_diag[i] = 1;
    }
    inv_sqrt_deg[i] = d > 0 ? 1.0 / std::sqrt(d) : 0.0;
  }
  CsrMatrix s;
  s.rows = s.cols = n;
  s.indptr.assign(n + 1, 0);
  const bool add_diag = g != 0.0f;
  for (int64_t i = 0; i < n; ++i)
    s.indptr[i + 1] = s.indptr[i] + (adj.indptr[i + 1] - adj.indptr[i]) + (add_diag && !has_diag[i] ? 1 : 0);
  s.indices.resize(s.indptr[n]);
  s.values.resize(s.indptr[n]);
  ProgressStage progress("normalize", n, "rows");
  parallel_slices(progress, n, [&](int64_t lo, int64_t hi) {
#pragma omp parallel for schedule(static)
  for (int64_t i = lo; i < hi; ++i) {
    int64_t out = s.indptr[i];
    bool diag_done = !add_diag;
    auto emit = [&](int32_t j, double a) {
      s.indices[out] = j;
      s.values[out] = static_cast<float>(inv_sqrt_deg[i] * a * inv_sqrt_deg[j]);
      ++out;
    };
    for (int64_t p = adj.indptr[i]; p < adj.indptr[i + 1]; ++p) {
      const int32_t j = adj.indices[p];
      if (!diag_done && j >= i) {  // keep columns sorted: the diagonal goes in order
        if (j == i) {
          emit(j, adj.values[p] + double(g));
          diag_done = true;
          continue;
        }
        emit(static_cast<int32_t>(i), g);
        diag_done = true;
      }
      emit(j, adj.values[p]);
    }
    if (!diag_done) emit(static_cast<int32_t>(i), g);
  }
  });
  return s;
}

void row_normalize(CsrMatrix& x) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < x.rows; ++i) {
    double sum = 0;
    for (int64_t p = x.indptr[i]; p < x.indptr[i + 1]; ++p) sum += x.values[p];
    if (sum == 0) continue;
    const double inv = 1.0 / sum;
    for (int64_t p = x.indptr[i]; p < x.indptr[i + 1]; ++p) x.values[p] = static_cast<float>(x.values[p] * inv);
  }
}

void row_normalize(DenseMatrix& x) {
#pragma omp parallel for schedule(static)
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const double sum = x.row(i).cast<double>().sum();
    if (sum != 0) x.row(i) = (x.row(i).cast<double>() / sum).cast<float>();
  }
}

ZScoreStats zscore_stats(const DenseMatrix& x) {
  const Eigen::Index n = x.rows(), d = x.cols();
  ZScoreStats st;
  st.mean.assign(d, 0.0f);
  st.std.assign(d, 1.0f);
  if (n == 0) return st;
  // Column sums in double, row by row (cache-friendly for row-major storage).
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(d), sq = Eigen::VectorXd::Zero(d);
  for (Eigen::Index i = 0; i < n; ++i) mean += x.row(i).transpose().cast<double>();
  mean /= double(n);
  for (Eigen::Index i = 0; i < n; ++i) sq += (x.row(i).transpose().cast<double>() - mean).array().square().matrix();
  for (Eigen::Index j = 0; j < d; ++j) {
    st.mean[j] = float(mean[j]);
    const double sd = n > 1 ? std::sqrt(sq[j] / double(n - 1)) : 0.0;
    st.std[j] = sd > 0 ? float(sd) : 1.0f;
  }
  return st;
}

void apply_zscore(DenseMatrix& x, const ZScoreStats& st) {
  const Eigen::Index d = x.cols();
  if (Eigen::Index(st.mean.size()) != d || Eigen::Index(st.std.size()) != d)
    throw ArgumentError("z-score: statistics have " + std::to_string(st.mean.size()) + " columns, features have " +
                        std::to_string(d));
#pragma omp parallel for schedule(static)
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < d; ++j) x(i, j) = (x(i, j) - st.mean[j]) / st.std[j];
}

void zscore_columns(DenseMatrix& x) { apply_zscore(x, zscore_stats(x)); }

DenseMatrix to_dense(const CsrMatrix& x) {
  // The one place a sparse feature matrix is densified (z-score, operators
  // that need dense input): checked against the memory budget first.
  const double bytes = double(x.rows) * double(x.cols) * double(sizeof(float));
  require_memory(bytes >= 9.2e18 ? -1 : int64_t(bytes),
                 "the dense feature matrix (" + std::to_string(x.rows) + " x " + std::to_string(x.cols) + ")");
  DenseMatrix d = DenseMatrix::Zero(x.rows, x.cols);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < x.rows; ++i)
    for (int64_t p = x.indptr[i]; p < x.indptr[i + 1]; ++p) d(i, x.indices[p]) += x.values[p];
  return d;
}

}  // namespace sgc
