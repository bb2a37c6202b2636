#include "sgc/eval/smoothing.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "sgc/error.h"
#include "sgc/gemm.h"
#include "sgc/ops/spmm.h"
#include "sgc/random.h"

namespace sgc {

double dirichlet_energy(const CsrMatrix& s, const DenseMatrix& x) {
  if (s.rows != x.rows()) throw ArgumentError("dirichlet_energy: the graph and the representation differ in rows");
  DenseMatrix sx;
  spmm(s, x, sx);
  double quadratic = 0, norm = 0;
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    quadratic += double(x.row(r).dot(x.row(r) - sx.row(r)));
    norm += double(x.row(r).squaredNorm());
  }
  return norm > 0 ? quadratic / norm : 0.0;
}

double mean_average_distance(const DenseMatrix& x, int64_t sample, uint64_t seed) {
  const int64_t n = x.rows();
  std::vector<int32_t> ids(static_cast<size_t>(n));
  std::iota(ids.begin(), ids.end(), 0);
  if (n > sample) {  // partial Fisher-Yates
    Rng rng(seed);
    for (int64_t i = 0; i < sample; ++i) std::swap(ids[size_t(i)], ids[size_t(i + int64_t(rng.below(uint64_t(n - i))))]);
    ids.resize(static_cast<size_t>(sample));
    std::sort(ids.begin(), ids.end());
  }
  const Eigen::Index m = Eigen::Index(ids.size());
  DenseMatrix u(m, x.cols());
  for (Eigen::Index i = 0; i < m; ++i) {
    const float norm = x.row(ids[size_t(i)]).norm();
    if (norm > 0) u.row(i) = x.row(ids[size_t(i)]) / norm;
    else u.row(i).setZero();
  }
  std::vector<double> row_mean(static_cast<size_t>(m), 0.0);
  constexpr Eigen::Index kRows = 32;
#pragma omp parallel for schedule(dynamic, 1)
  for (Eigen::Index i0 = 0; i0 < m; i0 += kRows) {
    const Eigen::Index rows = std::min(kRows, m - i0);
    const DenseMatrix cosine = gemm(u.middleRows(i0, rows), Op::None, u, Op::Transpose);
    for (Eigen::Index r = 0; r < rows; ++r) {
      double sum = 0;
      int64_t count = 0;
      for (Eigen::Index j = 0; j < m; ++j) {
        const double d = 1.0 - double(cosine(r, j));
        if (d > 1e-6) sum += d, ++count;  // 0 on the diagonal and between equal directions (float rounding)
      }
      row_mean[size_t(i0 + r)] = count > 0 ? sum / double(count) : 0.0;
    }
  }
  double total = 0;
  int64_t nonzero = 0;
  for (double v : row_mean)
    if (v > 0) total += v, ++nonzero;
  return nonzero > 0 ? total / double(nonzero) : 0.0;
}

}  // namespace sgc
