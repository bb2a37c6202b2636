// The heat kernel on the graph: DGC's K -> infinity limit (Wang et al.,
// NeurIPS 2021, "Dissecting the Diffusion Process in Linear Graph
// Convolutional Networks"; the same filter as GDC's heat kernel, Klicpera et
// al., NeurIPS 2019):
//
//   exp(-T (I - S)) X = e^(-T) exp(T S) X = sum_{j>=0} e^(-T) T^j / j! S^j X.
//
// The weights are the Poisson(T) distribution; the series stops at the first
// J whose remaining weight is below the tolerance (about T + a few sqrt(T)
// sparse products; the dropped part is at most tol * ||X|| when ||S|| <= 1).
#pragma once

#include <cstdint>
#include <vector>

namespace sgc {

// Poisson(T) weights w_0 .. w_J, truncated where the remaining weight is below tol.
std::vector<double> heat_kernel_weights(double t, double tol);
// J of heat_kernel_weights (its sparse products), without storing the weights.
int64_t heat_kernel_products(double t, double tol);

}  // namespace sgc
