// Pieces the synthetic generators share: per-node random streams,
// class-dependent Gaussian features and a seeded node order for splits.
#pragma once

#include <cstdint>
#include <vector>

#include "sgc/dense.h"
#include "sgc/random.h"

namespace sgc {

// A generator for node i of stream `stream` (labels, edges, features, ...):
// the same draws whatever the thread count and whatever the other nodes do.
Rng node_rng(uint64_t seed, uint64_t stream, int64_t i);

// How the N(0, 1) noise of the features is drawn: Box-Muller (Rng::normal,
// a log, a square root and a cosine per value) or the ziggurat (Marsaglia &
// Tsang, 2000; Doornik's 128-layer ZIGNOR form), which takes one 64-bit word
// and a table look-up for about 99% of the values and is several times
// faster. Different values for the same seed: a generator picks one for good.
enum class GaussianDraw { BoxMuller, Ziggurat };

// One N(0, 1) value by the ziggurat.
double ziggurat_normal(Rng& rng);

// x_i = mu_{y_i} + noise * N(0, I), with class means mu_c ~ signal * N(0, I / dim)
// (so ||mu_c|| is about `signal`, always Box-Muller); uses node stream 4.
// labels[k] is node first + k's (a block of rows draws what the whole graph has there).
DenseMatrix class_gaussian_features(const std::vector<int32_t>& labels, int32_t classes, int64_t dim, double signal,
                                    double noise, uint64_t seed, int64_t first = 0,
                                    GaussianDraw draw = GaussianDraw::BoxMuller);

// 0..n-1 in a seeded random order (Fisher-Yates).
std::vector<int32_t> random_order(int64_t n, uint64_t seed);

}  // namespace sgc
