// The sgc operator, F = S^K X (Wu et al., "Simplifying Graph Convolutional
// Networks", ICML 2019): K sparse x dense products with two buffers (the
// first from sparse X when X is sparse; only the rows a model reads at the
// last hop), and its registry entry. The verifier is the registry's reference
// (ops/reference.h): the same power in double precision.
#include "sgc/ops/propagate.h"

#include <algorithm>
#include <utility>

#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/data/dataset.h"
#include "sgc/ops/operator.h"
#include "sgc/ops/reference.h"
#include "sgc/ops/propagate_stored.h"
#include "sgc/ops/spmm.h"

namespace sgc {

namespace {
void check_k(int k) {
  if (k < 0) throw ParameterError("k", "number of propagation steps must be >= 0, got " + std::to_string(k));
}
}  // namespace

DenseMatrix propagate(const HopProduct& s, DenseMatrix x, int k) {
  check_k(k);
  DenseMatrix tmp;
  for (int hop = 0; hop < k; ++hop) {
    s.apply(x, tmp);
    std::swap(x, tmp);
  }
  return x;
}

DenseMatrix propagate(const HopProduct& s, const CsrMatrix& x, int k) {
  check_k(k);
  if (k == 0) return to_dense(x);
  DenseMatrix first;
  s.apply(x, first);
  return propagate(s, std::move(first), k - 1);
}

DenseMatrix propagate_rows(const HopProduct& s, DenseMatrix x, int k, const std::vector<int32_t>& rows) {
  check_k(k);
  if (k == 0) return gather_rows(x, rows);
  DenseMatrix y;
  s.apply_rows(propagate(s, std::move(x), k - 1), rows, y);
  return y;
}

DenseMatrix propagate_rows(const HopProduct& s, const CsrMatrix& x, int k, const std::vector<int32_t>& rows) {
  check_k(k);
  if (k <= 1) return gather_rows(propagate(s, x, k), rows);
  DenseMatrix y;
  s.apply_rows(propagate(s, x, k - 1), rows, y);
  return y;
}


namespace {

// S^K X with X a read-only view of a buffer held elsewhere (numpy's): the
// first product reads the buffer in place. A non-finite value in a row of X
// that S references always reaches the output (v * inf, 0 * inf and NaN are
// all non-finite), so a finite first hop proves those rows finite without a
// separate pass; rows no entry of S reads are checked on their own, which the
// diagonal that most normalisations store settles at once.
DenseMatrix propagate_view(const CsrMatrix& s, DenseView x, int k, const std::vector<int32_t>* rows) {
  const std::vector<int32_t>* first_rows = k == 1 ? rows : nullptr;
  if (first_rows) require_finite(x.data(), x.rows(), x.cols(), "X");  // only some rows are read
  DenseMatrix h;
  if (first_rows)
    spmm_rows(s, x, *first_rows, h);
  else
    spmm(s, x, h);
  if (!first_rows) {
    if (!all_finite(h.data(), h.size())) require_finite(x.data(), x.rows(), x.cols(), "X");
    bool all_diagonal = true;
    for (int64_t i = 0; all_diagonal && i < s.rows; ++i)
      all_diagonal = std::binary_search(s.indices.begin() + s.indptr[i], s.indices.begin() + s.indptr[i + 1],
                                        int32_t(i));
    if (!all_diagonal) {
      std::vector<uint8_t> used(size_t(s.cols), 0);
      for (int32_t j : s.indices) used[size_t(j)] = 1;
      for (int64_t j = 0; j < s.cols; ++j)
        if (!used[size_t(j)] && !all_finite(x.data() + j * x.cols(), x.cols()))
          require_finite(x.data(), x.rows(), x.cols(), "X");
    }
  }
  if (k == 1) return h;
  return rows ? propagate_rows(s, std::move(h), k - 1, *rows) : propagate(s, std::move(h), k - 1);
}

OperatorResult run_sgc(const HopProduct& s, FeatureInput x, const OperatorSpec& spec,
                       const std::vector<int32_t>* rows) {
  OperatorResult out;
  out.sparse_products = spec.k;
  // Sparse features stay sparse while that pays; 16-bit storage of the hops.
  if (s.local() && (x.sparse || spec.precision != Precision::Fp32)) {
    std::optional<DenseView> dense;
    if (!x.sparse) dense.emplace(x.view ? *x.view : view_of(x.dense));
    StoredPropagation report;
    out.features = propagate_stored(*s.local(), x.sparse, dense, spec.k, rows, spec.precision, &report);
    out.stored_16bit = report.stored_16bit;
  } else if (x.view && spec.k >= 1 && s.local()) {
    out.features = propagate_view(*s.local(), *x.view, spec.k, rows);
  } else if (x.sparse) {
    out.features = rows ? propagate_rows(s, *x.sparse, spec.k, *rows) : propagate(s, *x.sparse, spec.k);
  } else {
    DenseMatrix d = std::move(x).take_dense();
    out.features = rows ? propagate_rows(s, std::move(d), spec.k, *rows) : propagate(s, std::move(d), spec.k);
  }
  return out;
}

}  // namespace

const OperatorDef& sgc_operator() {
  static const OperatorDef def{
      .name = "sgc",
      .formula = "S^K X",
      .source = "SGC, Wu et al., ICML 2019",
      .params = {"k"},
      .run = run_sgc,
      .plan = [](const OperatorSpec& s) {
        std::vector<double> e_k(size_t(s.k) + 1, 0.0);
        e_k.back() = 1.0;
        return HopPlan::series(std::move(e_k));
      },
      .planned_products = [](const OperatorSpec& s) { return int64_t(s.k); },
      .reference = [](const SparseD& s, const Eigen::VectorXd& x, const OperatorSpec& spec) {
        return std::vector<Eigen::VectorXd>{reference_series(s, x, [&](int j) { return j == spec.k ? 1.0 : 0.0; },
                                                             spec.k)};
      },
      // The SGC authors tuned only the weight decay (60 trials, hyperopt), in [1e-10, 1e-4].
      .search = {{"weight_decay", 1e-10, 1e-4, true, false}},
      // Public Planetoid split, K = 2, Adam lr 0.2, weight decay from that search.
      .published = {{"planetoid", "cora", {{"k", 2}}, 0.2, 1.3027e-5, 100, 81.0, "SGC, Wu et al., ICML 2019"},
                    {"planetoid", "citeseer", {{"k", 2}}, 0.2, 2.3546e-5, 150, 71.9, "SGC, Wu et al., ICML 2019"},
                    {"planetoid", "pubmed", {{"k", 2}}, 0.2, 7.4039e-5, 100, 78.9, "SGC, Wu et al., ICML 2019"}},
      .sixteen_bit = true,
  };
  return def;
}

}  // namespace sgc
