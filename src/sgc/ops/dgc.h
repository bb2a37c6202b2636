// Decoupled Graph Convolution (DGC): Wang, Wang, Yang, Lin, "Dissecting the
// Diffusion Process in Linear Graph Convolutional Networks", NeurIPS 2021.
//
// DGC integrates the heat equation dX/dt = -(I - S) X from t = 0 to T with K
// forward-Euler steps of size D = T / K (SGC is the case T = K, D = 1):
//
//   X <- ((1 - D) I + D S) X,   applied K times.                        (naive)
//
// Expanding the K-th power by the binomial theorem (I and S commute):
//
//   ((1 - D) I + D S)^K X = sum_{j=0..K} Binomial(K, j) (1 - D)^(K-j) D^j S^j X.
//
// For 0 < D <= 1 the weights are the Binomial(K, D) distribution: they are
// >= 0, sum to 1 and concentrate around j = K D = T (spread sqrt(T (1 - D))),
// so the sum can stop at the first J whose remaining weight is below a
// tolerance: J ~ T + a few sqrt(T) sparse products instead of K (the dropped
// part is at most tol * ||X|| whenever ||S|| <= 1, as for the adjacency
// normalisations; the others are refused). For D > 1 the weights alternate
// in sign and do not decay; the series is then not used and the K Euler
// steps are taken.
#pragma once

#include <cstdint>
#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"
#include "sgc/ops/hop_product.h"

namespace sgc {

// The K Euler steps, the last one only for `rows` when given.
DenseMatrix dgc_naive(const HopProduct& s, DenseMatrix x, int k, double t, const std::vector<int32_t>* rows,
                      int64_t* sparse_products = nullptr);

// Binomial(K, T/K) weights w_0 .. w_J, truncated where the remaining weight
// is below tol (requires T <= K).
std::vector<double> dgc_series_weights(int k, double t, double tol);
// Sparse products of the dgc operator (the series' J, or K steps when T > K),
// counted without storing the weights.
int64_t dgc_products(int k, double t, double tol);

// Whether the truncated series applies (D = T/K <= 1); otherwise the DGC
// operator falls back to the naive steps.
inline bool dgc_series_applies(int k, double t) { return k >= 1 && t <= double(k); }

}  // namespace sgc
