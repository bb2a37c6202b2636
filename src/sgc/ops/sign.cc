// See sign.h for the formula.
#include "sgc/ops/sign.h"

#include <utility>

#include "sgc/ops/polynomial.h"
#include "sgc/ops/operator.h"
#include "sgc/ops/reference.h"

namespace sgc {

namespace {
template <class Features>
DenseMatrix concatenate(const HopProduct& s, Features&& x, int k, const std::vector<int32_t>* rows,
                        int64_t* sparse_products) {
  DenseMatrix f;
  const int64_t products = visit_hops(s, std::forward<Features>(x), k, rows, [&](int j, const HopView& view) {
    const Eigen::Index d = view.m.cols();
    if (j == 0) f.resize(rows ? Eigen::Index(rows->size()) : view.m.rows(), (k + 1) * d);
#pragma omp parallel for schedule(static) if (f.rows() * d >= kParallelMinEntries)
    for (Eigen::Index r = 0; r < f.rows(); ++r) f.row(r).segment(j * d, d) = view.row(r);
  });
  if (sparse_products) *sparse_products = products;
  return f;
}
}  // namespace

DenseMatrix concatenated_hops(const HopProduct& s, DenseMatrix x, int k, const std::vector<int32_t>* rows,
                              int64_t* sparse_products) {
  return concatenate(s, std::move(x), k, rows, sparse_products);
}

DenseMatrix concatenated_hops(const HopProduct& s, const CsrMatrix& x, int k, const std::vector<int32_t>* rows,
                              int64_t* sparse_products) {
  return concatenate(s, x, k, rows, sparse_products);
}


const OperatorDef& sign_operator() {
  static const OperatorDef def{
      .name = "sign",
      .formula = "[X, S X, ..., S^K X] (hops side by side)",
      .source = "SIGN, Frasca et al., 2020",
      .params = {"k"},
      .run = [](const HopProduct& s, FeatureInput x, const OperatorSpec& spec, const std::vector<int32_t>* rows) {
        OperatorResult out;
        out.features = x.sparse ? concatenated_hops(s, *x.sparse, spec.k, rows, &out.sparse_products)
                                : concatenated_hops(s, std::move(x).take_dense(), spec.k, rows, &out.sparse_products);
        return out;
      },
      .plan = [](const OperatorSpec& s) { return HopPlan::concat(s.k); },
      .planned_products = [](const OperatorSpec& s) { return int64_t(s.k); },
      .output_columns = [](const OperatorSpec& s, int64_t d) { return (int64_t(s.k) + 1) * d; },
      .reference = [](const SparseD& s, const Eigen::VectorXd& x, const OperatorSpec& spec) {
        std::vector<Eigen::VectorXd> hops{x};
        for (int j = 1; j <= spec.k; ++j) hops.push_back(s * hops.back());
        return hops;
      },
      .search = {{"k", 1, 5, false, true}, lr_search_range(), weight_decay_search_range()},
      .published = {},
  };
  return def;
}

}  // namespace sgc
