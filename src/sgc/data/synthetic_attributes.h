// Features, labels and a split for a graph that has none (an edge list, a
// bare scipy sparse matrix), so it can be propagated, timed and trained on.
// EVERYTHING BUT THE GRAPH IS SYNTHETIC: each node draws a class uniformly
// at random (independently of the graph) and features
//   x_i = mu_{y_i} + N(0, I),  mu_c ~ 1.5 * N(0, I / features),
// as in the CSBM generator (synthetic.h); the split is the per-class one of
// class_split.h (20 / 30 / rest). Accuracy on such data says nothing about
// the graph; use it for timing and for checking that a file loads.
#pragma once

#include <cstdint>
#include <string>

#include "sgc/data/dataset.h"

namespace sgc {

struct SyntheticAttributes {
  int64_t features = 64;
  int32_t classes = 4;
  uint64_t seed = 0;
};

// Wraps a symmetric unit-weight adjacency into a Dataset named `name` with
// dense synthetic features, labels and split (deterministic for the seed,
// independent of the thread count).
Dataset with_synthetic_attributes(CsrMatrix adjacency, const std::string& name, const SyntheticAttributes& opt);

}  // namespace sgc
