// See dgc.h for the formulas.
#include "sgc/ops/dgc.h"

#include <cmath>
#include <utility>

#include "sgc/error.h"
#include "sgc/ops/polynomial.h"
#include "sgc/ops/spmm.h"

namespace sgc {

namespace {
// y = (1 - D) x + D y, written x + D (y - x) so the rounding of D only
// touches the small increment (float(1 - D) raised to the K-th power would
// drift by K * 6e-8); row by row, so independent of the thread count. x is
// read through `index` when given (the last, restricted step).
void euler_blend(DenseMatrix& y, const DenseMatrix& x, float step, const std::vector<int32_t>* index) {
#pragma omp parallel for schedule(static) if (y.size() >= kParallelMinEntries)
  for (Eigen::Index r = 0; r < y.rows(); ++r) {
    const auto xr = x.row(index ? (*index)[size_t(r)] : r);
    y.row(r) = xr + step * (y.row(r) - xr);
  }
}
}  // namespace

DenseMatrix dgc_naive(const CsrMatrix& s, DenseMatrix x, int k, double t, const std::vector<int32_t>* rows,
                      int64_t* sparse_products) {
  if (k < 1) throw ArgumentError("--k: DGC needs K >= 1 Euler steps, got " + std::to_string(k));
  if (!(t > 0) || !std::isfinite(t)) throw ArgumentError("--t: diffusion time T must be > 0");
  const float step = static_cast<float>(t / k);
  DenseMatrix next;
  for (int i = 1; i <= k; ++i) {
    if (i == k && rows) {
      spmm_rows(s, x, *rows, next);
      euler_blend(next, x, step, rows);
      x = std::move(next);
      break;
    }
    spmm(s, x, next);
    euler_blend(next, x, step, nullptr);
    std::swap(x, next);
  }
  if (sparse_products) *sparse_products = k;
  return x;
}

std::vector<double> dgc_series_weights(int k, double t, double tol) {
  if (!dgc_series_applies(k, t)) throw ArgumentError("--t: the DGC series needs T <= K");
  const double step = t / k;
  if (step == 1.0) {  // SGC: all the weight on j = K
    std::vector<double> w(size_t(k) + 1, 0.0);
    w.back() = 1.0;
    return w;
  }
  // log of Binomial(K, j) (1 - D)^(K - j) D^j, in log space so large K neither
  // underflows nor overflows.
  const double log_keep = std::log1p(-step), log_step = std::log(step), log_k_fact = std::lgamma(k + 1.0);
  return truncate_distribution(
      [&](int j) {
        return std::exp(log_k_fact - std::lgamma(j + 1.0) - std::lgamma(k - j + 1.0) + (k - j) * log_keep +
                        j * log_step);
      },
      tol, k);
}

}  // namespace sgc
