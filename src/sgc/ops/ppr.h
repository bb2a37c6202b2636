// Personalised PageRank propagation of the features, precomputed (the
// propagation of APPNP: Klicpera, Bojchevski, Guennemann, "Predict then
// Propagate: Graph Neural Networks meet Personalized PageRank", ICLR 2019,
// applied to X before the classifier instead of to its predictions):
//
//   F = alpha (I - (1 - alpha) S)^-1 X = alpha sum_{k>=0} (1 - alpha)^k S^k X,
//
// the fixed point of APPNP's iteration Z <- (1 - alpha) S Z + alpha X. The
// geometric weights alpha (1 - alpha)^k sum to 1; the series stops at the
// first J whose remaining weight (1 - alpha)^(J+1) is below the tolerance
// (about log tol / log(1 - alpha) sparse products). The dropped part is at
// most tol ||X|| because S's eigenvalues lie in [-1, 1]: other normalisations
// are refused (contractive(), graph/normalizations.h).
#pragma once

#include <cstdint>
#include <vector>

namespace sgc {

// alpha (1 - alpha)^k for k = 0 .. J (alpha in (0, 1]).
std::vector<double> ppr_weights(double alpha, double tol);
// J of ppr_weights (its sparse products), without storing the weights.
int64_t ppr_products(double alpha, double tol);

}  // namespace sgc
