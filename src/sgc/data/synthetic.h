// Built-in synthetic graph: a contextual stochastic block model (CSBM;
// Deshpande et al., NeurIPS 2018), so sgc runs out of the box without data.
//
// Each node draws a class uniformly. Each node starts about avg_degree/2
// edges; an edge stays in the node's class with probability `homophily` and
// goes to a uniformly chosen node of another class otherwise. Features are
//   x_i = mu_{y_i} + noise * N(0, I),  mu_c ~ signal * N(0, I / features),
// so ||mu_c|| is about `signal`. Split: `train_per_class` labelled nodes per
// class, then `val` and `test` nodes, all drawn at random.
#pragma once

#include <cstdint>

#include "sgc/data/dataset.h"

namespace sgc {

struct CsbmOptions {
  int64_t nodes = 3000;
  int32_t classes = 5;
  double avg_degree = 10.0;
  double homophily = 0.7;
  int64_t features = 64;
  double signal = 1.5;
  double noise = 1.0;
  int32_t train_per_class = 20;
  int64_t val = 500;
  int64_t test = 1000;
  uint64_t seed = 0;
};

// Throws sgc::ArgumentError (naming the option) for values outside their domain.
Dataset make_csbm(const CsbmOptions& opt);

}  // namespace sgc
