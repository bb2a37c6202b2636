// See polynomial.h.
#include "sgc/ops/polynomial.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/ops/spmm.h"

namespace sgc {

namespace {

void check_rows(const HopProduct& s, const std::vector<int32_t>* rows) {
  if (!rows) return;
  for (int32_t r : *rows)
    if (r < 0 || r >= s.rows()) throw ArgumentError("node id " + std::to_string(r) + " out of range");
}

void check_last(int last) {
  if (last < 0) throw ParameterError("k", "number of propagation steps must be >= 0, got " + std::to_string(last));
}

// Hops first+1 .. last from x = S^first X (of every node).
int64_t continue_hops(const HopProduct& s, DenseMatrix x, int first, int last, const std::vector<int32_t>* rows,
                      const HopVisitor& visit) {
  int64_t products = 0;
  DenseMatrix next;
  for (int j = first + 1; j <= last; ++j) {
    ++products;
    if (j == last && rows) {  // nobody needs the other rows of the last hop
      s.apply_rows(x, *rows, next);
      visit(j, HopView{next, nullptr});
      break;
    }
    s.apply(x, next);
    std::swap(x, next);
    visit(j, HopView{x, rows});
  }
  return products;
}

template <class Features>
DenseMatrix polynomial(const HopProduct& s, Features&& x, const std::vector<double>& coeffs,
                       const std::vector<int32_t>* rows, int64_t* sparse_products) {
  if (coeffs.empty()) throw ArgumentError("apply_polynomial: no coefficients");
  DenseMatrix y;
  const int64_t products =
      visit_hops(s, std::forward<Features>(x), int(coeffs.size()) - 1, rows, [&](int j, const HopView& view) {
        if (j == 0) y = DenseMatrix::Zero(rows ? Eigen::Index(rows->size()) : view.m.rows(), view.m.cols());
        if (coeffs[size_t(j)] != 0) add_scaled(y, coeffs[size_t(j)], view);
      });
  if (sparse_products) *sparse_products = products;
  return y;
}

}  // namespace

int64_t visit_hops(const HopProduct& s, DenseMatrix x, int last, const std::vector<int32_t>* rows,
                   const HopVisitor& visit) {
  check_last(last);
  check_rows(s, rows);
  if (s.cols() != x.rows())
    throw ArgumentError("operator has " + std::to_string(s.cols()) + " columns but features have " +
                        std::to_string(x.rows()) + " rows");
  visit(0, HopView{x, rows});
  return continue_hops(s, std::move(x), 0, last, rows, visit);
}

int64_t visit_hops(const HopProduct& s, const CsrMatrix& x, int last, const std::vector<int32_t>* rows,
                   const HopVisitor& visit) {
  check_last(last);
  check_rows(s, rows);
  if (s.cols() != x.rows)
    throw ArgumentError("operator has " + std::to_string(s.cols()) + " columns but features have " +
                        std::to_string(x.rows) + " rows");
  {  // hop 0: only the rows asked for are made dense
    const DenseMatrix x0 = rows ? to_dense(select_rows(x, *rows)) : to_dense(x);
    visit(0, HopView{x0, nullptr});
  }
  if (last == 0) return 0;
  DenseMatrix first;
  s.apply(x, first);  // the sparse-feature kernel
  visit(1, HopView{first, rows});
  return 1 + continue_hops(s, std::move(first), 1, last, rows, visit);
}

void add_scaled(DenseMatrix& y, double c, const HopView& view) {
  const float cf = static_cast<float>(c);
#pragma omp parallel for schedule(static) if (y.size() >= kParallelMinEntries)
  for (Eigen::Index r = 0; r < y.rows(); ++r) y.row(r) += cf * view.row(r);
}

DenseMatrix apply_polynomial(const HopProduct& s, DenseMatrix x, const std::vector<double>& coeffs,
                             const std::vector<int32_t>* rows, int64_t* sparse_products) {
  return polynomial(s, std::move(x), coeffs, rows, sparse_products);
}

DenseMatrix apply_polynomial(const HopProduct& s, const CsrMatrix& x, const std::vector<double>& coeffs,
                             const std::vector<int32_t>* rows, int64_t* sparse_products) {
  return polynomial(s, x, coeffs, rows, sparse_products);
}

std::vector<double> truncate_distribution(const std::function<double(int)>& weight, double tol, int max_index,
                                          int first) {
  first = std::max(0, std::min(first, max_index));
  std::vector<double> w(size_t(first), 0.0);
  double total = 0;
  for (int j = first;; ++j) {
    w.push_back(weight(j));
    total += w.back();
    if (1.0 - total < tol || j >= max_index) break;
  }
  return w;
}

int truncated_last(const std::function<double(int)>& weight, double tol, int max_index, int first) {
  first = std::max(0, std::min(first, max_index));
  double total = 0;
  for (int j = first;; ++j) {
    total += weight(j);
    if (1.0 - total < tol || j >= max_index) return j;
  }
}

int tail_first(double mean) {
  const double j = std::floor(mean - 60 * std::sqrt(mean) - 100);
  return j <= 0 ? 0 : j >= 2e9 ? 2000000000 : int(j);
}

int tail_last(double mean) {
  const double j = std::ceil(mean + 60 * std::sqrt(mean) + 100);
  return j >= 2e9 ? 2000000000 : int(j);
}

}  // namespace sgc
