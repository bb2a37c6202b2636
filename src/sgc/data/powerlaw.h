// Reddit-shaped synthetic graph: heavy-tailed degrees, many homophilous
// classes, dense class-dependent features, an inductive-style split.
//
// Degrees follow a Chung-Lu model (Chung & Lu, 2002): node i gets the weight
// w_i proportional to (i + 1)^(-1/(gamma - 1)), scaled to mean avg_degree
// and capped at max_degree_fraction * nodes, so the degree distribution has a
// power-law tail with exponent gamma. Each node starts about w_i / 2 edges;
// the other end is drawn with probability proportional to w, inside the
// node's class with probability `homophily`, from all nodes otherwise.
// Classes are drawn with Zipf-like sizes (a few big communities), features
// are x_i = mu_{y_i} + noise * N(0, I) with ||mu_c|| about `signal`.
// Split: the first train_fraction of a random permutation is train, then val,
// then test (Reddit: 66 / 10 / 24).
//
// Defaults give Reddit's shape: 232,965 nodes, ~23M non-zeros, 602 features,
// 41 classes. Every random draw comes from a per-node generator, so the
// result is identical for any thread count.
#pragma once

#include <cstdint>

#include "sgc/data/dataset.h"

namespace sgc {

struct PowerLawOptions {
  int64_t nodes = 232965;
  int32_t classes = 41;
  int64_t features = 602;
  double avg_degree = 100.0;
  double gamma = 2.5;
  double max_degree_fraction = 0.1;
  double homophily = 0.4;
  double signal = 0.7;
  double noise = 1.0;
  double train_fraction = 0.66;
  double val_fraction = 0.10;
  uint64_t seed = 0;
};

// Throws sgc::ArgumentError naming the option for values outside their domain.
Dataset make_powerlaw(const PowerLawOptions& opt);

}  // namespace sgc
