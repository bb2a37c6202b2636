// How smooth a node representation is over the graph: the two measures the
// over-smoothing literature uses, computed for any model's representation
// (`sgc sweep` prints them beside accuracy per depth).
//
// Dirichlet energy, normalised (Cai & Wang 2020, "A Note on Over-Smoothing
// for Graph Neural Networks"; Rusch et al. 2023): with S the symmetric
// normalised adjacency with self-loops,
//   E(X) = tr(X^T (I - S) X) / tr(X^T X)
//        = 1/2 sum_ij a~_ij |x_i / sqrt(d~_i) - x_j / sqrt(d~_j)|^2 / |X|_F^2,
// in [0, 2]; 0 when every column is a multiple of S's top eigenvector (the
// fully smoothed limit). Dividing by |X|_F^2 makes it independent of scale,
// so models that shrink or normalise their rows compare fairly.
//
// MAD, mean average distance (Chen et al., AAAI 2020): with D_ij = 1 - cos(x_i, x_j),
//   MAD = sum_i Dbar_i / #{i : Dbar_i > 0},  Dbar_i = sum_j D_ij / #{j : D_ij > 0},
// over all pairs of a seeded sample of at most `sample` nodes (all nodes when fewer).
#pragma once

#include <cstdint>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"

namespace sgc {

double dirichlet_energy(const CsrMatrix& s, const DenseMatrix& x);
double mean_average_distance(const DenseMatrix& x, int64_t sample = 2000, uint64_t seed = 1);

}  // namespace sgc
