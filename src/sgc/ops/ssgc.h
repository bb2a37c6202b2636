// Simple Spectral Graph Convolution (SSGC): Zhu & Koniusz, "Simple Spectral
// Graph Convolution", ICLR 2021, eq. (8): the average of the K propagated
// features, each mixed with a fraction alpha of the input:
//
//   F = (1/K) sum_{k=1..K} ((1 - alpha) S^k X + alpha X)
//     = alpha X + (1 - alpha)/K sum_{k=1..K} S^k X.
//
// A polynomial filter with c_0 = alpha and c_k = (1 - alpha)/K for k = 1..K:
// K sparse products.
#pragma once

#include <vector>

namespace sgc {

// c_0 .. c_K (K >= 1, alpha in (0, 1]).
std::vector<double> ssgc_weights(int k, double alpha);

}  // namespace sgc
