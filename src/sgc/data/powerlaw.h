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
// The graph is built straight into CSR form (rows counted, filled, sorted
// and deduplicated in parallel; no edge list), and the features use the
// ziggurat Gaussian (class_features.h).
//
// Defaults give Reddit's shape: 232,965 nodes, ~23M non-zeros, 602 features,
// 41 classes. Every random draw comes from a per-node generator, so the
// result is identical for any thread count, and a block of rows can be drawn
// alone (PowerLawGraph: what a rank of a distributed run does).
#pragma once

#include <cstdint>
#include <vector>

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

// The generator node by node. The per-node tables (weights, labels, the
// samplers, ~40 bytes a node) are built whole; edges and features are drawn
// per node, so rows [lo, hi) of the graph need only the edges that nodes
// start there and those that point there (src/sgc/dist/powerlaw_part.h).
// make_powerlaw is these pieces over every node.
class PowerLawGraph {
 public:
  explicit PowerLawGraph(const PowerLawOptions& o);  // validates o
  const PowerLawOptions& options() const { return o_; }
  int64_t nodes() const { return o_.nodes; }
  const std::vector<int32_t>& labels() const { return labels_; }
  // How many edges node i starts.
  int64_t edges_started(int64_t i) const;
  // The other ends of the edges node i starts (the graph holds each edge both
  // ways; repeated ends are one edge), appended to `ends`.
  void edges_from(int64_t i, std::vector<int32_t>& ends) const;
  // Features of nodes [lo, hi).
  DenseMatrix features(int64_t lo, int64_t hi) const;
  // The split, each list sorted.
  void split(std::vector<int32_t>& train, std::vector<int32_t>& val, std::vector<int32_t>& test) const;

 private:
  PowerLawOptions o_;
  std::vector<double> w_;  // expected degrees
  std::vector<int32_t> labels_;
  // Draws an id with probability proportional to w: the running sums of w
  // over `ids`, searched from a guide table (Chen & Asau, 1974) that jumps
  // to the first candidate, so each draw is O(1) and returns exactly what a
  // binary search over the running sums would.
  struct Sampler {
    std::vector<int32_t> ids;
    std::vector<double> cum;
    std::vector<int32_t> guide;  // guide[b]: first k with bucket(cum[k]) >= b
    double per_bucket = 0;       // buckets / cum.back()
    void build(std::vector<int32_t> ids, const std::vector<double>& w);
    int32_t draw(double u01) const;
  };
  std::vector<Sampler> members_;  // per class
  Sampler all_;
};

}  // namespace sgc
