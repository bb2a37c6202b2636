// Polynomial graph filters, the shared engine of the SGC family:
//
//   Y = sum_{j=0..J} c_j S^j X
//
// SGC is c = e_K; SSGC, PPR, the heat kernel and the binomial form of DGC only
// differ in their coefficients c_j (see the operator files next to this one).
// The hops S^j X are made one after the other with two n x d buffers, so the
// cost is J sparse products whatever the coefficients; the sum is only kept
// for the rows the caller asks for, and the last hop only computes those rows.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"
#include "sgc/ops/hop_product.h"

namespace sgc {

// Element-wise passes over fewer entries than this run on one thread: waking
// the team costs more than the work (and much more on a busy machine).
constexpr int64_t kParallelMinEntries = int64_t(1) << 16;

// Rows of a hop as handed to a visitor: row r of the requested output is
// m.row(index ? (*index)[r] : r).
struct HopView {
  const DenseMatrix& m;
  const std::vector<int32_t>* index;

  auto row(Eigen::Index r) const { return m.row(index ? (*index)[size_t(r)] : r); }
};

// Calls visit(j, hop) with hop = S^j X (restricted to `rows` when given, of
// every node otherwise) for j = 0, 1, ..., last, in that order, and returns
// the number of sparse products done (last, with a restricted final one).
// Sparse X: the first hop uses the sparse-feature kernel.
using HopVisitor = std::function<void(int hop, const HopView& view)>;
int64_t visit_hops(const HopProduct& s, DenseMatrix x, int last, const std::vector<int32_t>* rows,
                   const HopVisitor& visit);
int64_t visit_hops(const HopProduct& s, const CsrMatrix& x, int last, const std::vector<int32_t>* rows,
                   const HopVisitor& visit);

// y.row(r) += c * view.row(r) for every row of y, in parallel (row by row, so
// the result does not depend on the thread count).
void add_scaled(DenseMatrix& y, double c, const HopView& view);

// sum_j coeffs[j] S^j X, of every node or of `rows` (in that order). coeffs
// must not be empty. `sparse_products`, if given, receives the product count.
DenseMatrix apply_polynomial(const HopProduct& s, DenseMatrix x, const std::vector<double>& coeffs,
                             const std::vector<int32_t>* rows, int64_t* sparse_products = nullptr);
DenseMatrix apply_polynomial(const HopProduct& s, const CsrMatrix& x, const std::vector<double>& coeffs,
                             const std::vector<int32_t>* rows, int64_t* sparse_products = nullptr);

// The head w_0 .. w_J of a probability distribution on 0, 1, 2, ... (weights
// >= 0 summing to 1) whose remaining weight is below `tol`: J is the smallest
// index with 1 - (w_0 + ... + w_J) < tol, or `max_index` if that comes first.
// Weights below index `first` are taken as 0 without evaluating them (for a
// distribution whose head underflows: a Poisson or binomial far above 0).
std::vector<double> truncate_distribution(const std::function<double(int)>& weight, double tol, int max_index,
                                          int first = 0);
// J of truncate_distribution (the sparse products of the series) by the same
// arithmetic, without storing the weights: the cost estimate of a series.
int truncated_last(const std::function<double(int)>& weight, double tol, int max_index, int first = 0);
// The index below which a Poisson- or binomial-shaped distribution with mean
// `mean` (variance <= mean) has weights that underflow to 0 in double
// (60 standard deviations and 100 below the mean), and the index above which
// they do: [tail_first(mean), tail_last(mean)].
int tail_first(double mean);
int tail_last(double mean);

}  // namespace sgc
