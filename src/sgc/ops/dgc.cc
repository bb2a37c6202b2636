// See dgc.h for the formulas.
#include "sgc/ops/dgc.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <utility>

#include "sgc/error.h"
#include "sgc/ops/polynomial.h"
#include "sgc/ops/spmm.h"
#include "sgc/ops/operator.h"
#include "sgc/ops/reference.h"

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

DenseMatrix dgc_naive(const HopProduct& s, DenseMatrix x, int k, double t, const std::vector<int32_t>* rows,
                      int64_t* sparse_products) {
  if (k < 1) throw ParameterError("k", "DGC needs K >= 1 Euler steps, got " + std::to_string(k));
  if (!(t > 0) || !std::isfinite(t)) throw ParameterError("t", "diffusion time T must be > 0");
  const float step = static_cast<float>(t / k);
  DenseMatrix next;
  for (int i = 1; i <= k; ++i) {
    if (i == k && rows) {
      s.apply_rows(x, *rows, next);
      euler_blend(next, x, step, rows);
      x = std::move(next);
      break;
    }
    s.apply(x, next);
    euler_blend(next, x, step, nullptr);
    std::swap(x, next);
  }
  if (sparse_products) *sparse_products = k;
  return x;
}

namespace {
// log of Binomial(K, j) (1 - D)^(K - j) D^j, in log space so large K neither
// underflows nor overflows (D = T/K < 1).
std::function<double(int)> dgc_weight(int k, double t) {
  const double step = t / k;
  const double log_keep = std::log1p(-step), log_step = std::log(step), log_k_fact = std::lgamma(k + 1.0);
  return [=](int j) {
    return std::exp(log_k_fact - std::lgamma(j + 1.0) - std::lgamma(k - j + 1.0) + (k - j) * log_keep +
                    j * log_step);
  };
}
// The binomial has mean T and variance below T: its weights more than 60
// standard deviations (and 100) below T underflow to 0, and above T its tail
// is below 1e-90, beyond any tolerance of a float32 computation.
int dgc_last(int k, double t) { return std::min(k, tail_last(t)); }
}  // namespace

std::vector<double> dgc_series_weights(int k, double t, double tol) {
  if (!dgc_series_applies(k, t)) throw ParameterError("t", "the DGC series needs T <= K");
  if (t / k == 1.0) {  // SGC: all the weight on j = K
    std::vector<double> w(size_t(k) + 1, 0.0);
    w.back() = 1.0;
    return w;
  }
  return truncate_distribution(dgc_weight(k, t), tol, dgc_last(k, t), tail_first(t));
}

int64_t dgc_products(int k, double t, double tol) {
  if (!dgc_series_applies(k, t) || t / k == 1.0) return k;  // K Euler steps, or SGC
  return truncated_last(dgc_weight(k, t), tol, dgc_last(k, t), tail_first(t));
}

namespace {

// ((1 - T/K) I + (T/K) S)^K x by its definition: K steps of the blend.
std::vector<Eigen::VectorXd> dgc_reference(const SparseD& s, const Eigen::VectorXd& x0, const OperatorSpec& spec) {
  const double step = spec.t / spec.k;
  Eigen::VectorXd x = x0;
  for (int i = 0; i < spec.k; ++i) x = (1 - step) * x + step * (s * x);
  return {x};
}

OperatorResult run_dgc_naive(const HopProduct& s, FeatureInput x, const OperatorSpec& spec,
                             const std::vector<int32_t>* rows) {
  OperatorResult out;
  out.features = dgc_naive(s, std::move(x).take_dense(), spec.k, spec.t, rows, &out.sparse_products);
  return out;
}

// DGC's authors searched T (and lr, weight decay) per data set.
// DGC's Table 3 settings on the public Planetoid split (100 epochs) and its reported accuracy.
const std::vector<PublishedSetting> kDgcPublished{
    {"planetoid", "cora", {{"k", 250}, {"t", 5.27}}, 0.156, 3.544e-5, 100, 83.3, "DGC, Wang et al., NeurIPS 2021"},
    {"planetoid", "citeseer", {{"k", 300}, {"t", 3.78}}, 1.39, 2e-4, 100, 73.3, "DGC, Wang et al., NeurIPS 2021"},
    {"planetoid", "pubmed", {{"k", 900}, {"t", 6.0498}}, 0.627, 9.38e-6, 100, 80.3, "DGC, Wang et al., NeurIPS 2021"}};

const std::vector<SearchRange> kDgcSearch{
    {"t", 1, 10, false, false},
    lr_search_range(),
    weight_decay_search_range(),
    {"k", 10, 1000, true, true, false}};

}  // namespace

const OperatorDef& dgc_operator() {
  static const OperatorDef def{
      .name = "dgc",
      .formula = "((1 - T/K) I + (T/K) S)^K X, as a truncated binomial series in S",
      .source = "DGC, Wang et al., NeurIPS 2021",
      .params = {"k", "t", "tol"},
      .min_k = 1,
      // T > K: the binomial series does not converge; the Euler steps still work.
      .series = [](const OperatorSpec& s) {
        return dgc_series_applies(s.k, s.t) ? dgc_series_weights(s.k, s.t, s.tol) : std::vector<double>{};
      },
      .run = run_dgc_naive,
      .plan = [](const OperatorSpec& s) { return HopPlan::euler(s.k, s.t / s.k); },
      .planned_products = [](const OperatorSpec& s) { return dgc_products(s.k, s.t, s.tol); },
      .reference = dgc_reference,
      .search = kDgcSearch,
      .published = kDgcPublished,
  };
  return def;
}

const OperatorDef& dgc_naive_operator() {
  static const OperatorDef def{
      .name = "dgc_naive",
      .formula = "((1 - T/K) I + (T/K) S)^K X by K forward-Euler steps",
      .source = "DGC, Wang et al., NeurIPS 2021",
      .params = {"k", "t"},
      .min_k = 1,
      .run = run_dgc_naive,
      .plan = [](const OperatorSpec& s) { return HopPlan::euler(s.k, s.t / s.k); },
      .planned_products = [](const OperatorSpec& s) { return int64_t(s.k); },
      .reference = dgc_reference,
      .search = kDgcSearch,
      .published = kDgcPublished,
  };
  return def;
}

}  // namespace sgc
