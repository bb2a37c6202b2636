// See sign.h for the formula.
#include "sgc/ops/sign.h"

#include <utility>

#include "sgc/ops/polynomial.h"

namespace sgc {

namespace {
template <class Features>
DenseMatrix concatenate(const CsrMatrix& s, Features&& x, int k, const std::vector<int32_t>* rows,
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

DenseMatrix concatenated_hops(const CsrMatrix& s, DenseMatrix x, int k, const std::vector<int32_t>* rows,
                              int64_t* sparse_products) {
  return concatenate(s, std::move(x), k, rows, sparse_products);
}

DenseMatrix concatenated_hops(const CsrMatrix& s, const CsrMatrix& x, int k, const std::vector<int32_t>* rows,
                              int64_t* sparse_products) {
  return concatenate(s, x, k, rows, sparse_products);
}

}  // namespace sgc
