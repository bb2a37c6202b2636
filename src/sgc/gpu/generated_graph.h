// A graph and features defined entry by entry, so that the GPU can make a
// papers100M-sized one in its own memory and the host the same one, small,
// to check it against.
//
// Every quantity is a pure function of (seed, node, position), through the
// splitmix64 finaliser, evaluated alike in C++ and CUDA (IEEE double sqrt and
// division are correctly rounded on both):
//   row length  L(i) = 1 + min(max_row - 1, floor(x_m / sqrt(u_i))), u_i in
//               (0, 1]: a Pareto tail of shape 2 (x_m = (mean_row - 0.5) / 2
//               makes the mean row length mean_row);
//   entry k     column i for k = 0 (the self-loop), else a node drawn
//               uniformly (no locality: the gather's worst case); a row may
//               name a column twice, and the two entries are summed;
//   value       1 / sqrt(L(i) L(j)): D^-1/2 (A + I) D^-1/2 with D the row
//               lengths (the graph is not symmetric; its shape is what counts);
//   feature     X[i, c] uniform in [-0.5, 0.5).
// papers100M (OGB: 111,059,956 nodes, 1,615,685,872 edges, 128 features)
// symmetrised with self-loops has 3.34e9 non-zeros, 30.1 a row: the spec
// papers100m_shaped() gives that shape.
//
// The entry functions are free of Eigen, so CUDA sources include this; the
// host builders at the end (the small graph the GPU's is checked against)
// are not compiled there.
#pragma once

#include <cmath>
#include <cstdint>

#include "sgc/error.h"
#include "sgc/util/host_device.h"

namespace sgc {

struct GeneratedGraphSpec {
  int64_t nodes = 0;
  double mean_row = 30.0;  // mean row length, self-loop included
  int64_t max_row = 100000;
  int64_t features = 128;
  uint64_t seed = 0;
};

// ArgumentError unless nodes are in [1, 2^31), the mean and largest row
// lengths at least 1 and features at least 1 (host and GPU alike).
inline void check_generated_spec(const GeneratedGraphSpec& g) {
  if (g.nodes <= 0 || g.nodes > INT32_MAX) throw ArgumentError("generated graph: nodes must be in [1, 2^31)");
  if (!(g.mean_row >= 1.0) || g.max_row < 1 || g.features < 1)
    throw ArgumentError("generated graph: mean row length >= 1, max row >= 1 and features >= 1 needed");
}

inline GeneratedGraphSpec papers100m_shaped() {
  GeneratedGraphSpec g;
  g.nodes = 111059956;
  g.mean_row = (2.0 * 1615685872.0 + 111059956.0) / 111059956.0;
  return g;
}

// Device memory the GPU's run of the spec needs, from the mean row length
// (S's exact size is known only once it is made): S's columns and values, the
// row offsets and lengths, and two hop buffers of 16-bit features.
inline double generated_device_bytes(const GeneratedGraphSpec& g) {
  const double n = double(g.nodes);
  return n * g.mean_row * 8 + n * 16 + 2.0 * 2.0 * n * double(g.features);
}

SGC_HOST_DEVICE inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// A uniform double in (0, 1] from 53 bits of h.
SGC_HOST_DEVICE inline double unit_interval(uint64_t h) { return double((h >> 11) + 1) * (1.0 / 9007199254740992.0); }

SGC_HOST_DEVICE inline int64_t generated_row_length(const GeneratedGraphSpec& g, int64_t i) {
  const double x_m = (g.mean_row - 0.5) / 2.0;
  const double tail = x_m / sqrt(unit_interval(mix64(g.seed * 0x2545f4914f6cdd1dull + uint64_t(i))));
  const double cap = double(g.max_row - 1);
  return 1 + int64_t(tail < cap ? tail : cap);
}

// Column of entry k of row i (k < generated_row_length(g, i)).
SGC_HOST_DEVICE inline int32_t generated_column(const GeneratedGraphSpec& g, int64_t i, int64_t k) {
  if (k == 0) return int32_t(i);
  const uint64_t h = mix64(mix64(g.seed ^ 0x51af0b3dull) + uint64_t(i) * 0x9e3779b97f4a7c15ull + uint64_t(k));
  return int32_t(h % uint64_t(g.nodes));
}

SGC_HOST_DEVICE inline float generated_value(int64_t row_length_i, int64_t row_length_j) {
  return float(1.0 / sqrt(double(row_length_i) * double(row_length_j)));
}

SGC_HOST_DEVICE inline float generated_feature(const GeneratedGraphSpec& g, int64_t i, int64_t c) {
  const uint64_t h = mix64(mix64(g.seed + 0x7f4a7c15ull) ^ (uint64_t(i) * uint64_t(g.features) + uint64_t(c)));
  return float(unit_interval(h) - 0.5);
}

}  // namespace sgc

#if !defined(__CUDACC__)
#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"

namespace sgc {

// The operator S of the spec, on the host (rows in entry order, unsorted,
// repeats kept: the GPU's layout). ResourceError beyond the memory budget.
CsrMatrix generated_operator(const GeneratedGraphSpec& g);
// Its features, nodes x features.
DenseMatrix generated_features(const GeneratedGraphSpec& g);
// Row `row` of S^hops X, summed in double straight from the definition,
// without making the graph: the check of the papers100M-shaped run's result
// (it visits about mean_row^hops entries).
std::vector<double> generated_row_reference(const GeneratedGraphSpec& g, int hops, int64_t row);

}  // namespace sgc
#endif
