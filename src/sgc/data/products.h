// ogbn-products-shaped synthetic graph (Hu et al., "Open Graph Benchmark",
// NeurIPS 2020, Table 2: 2,449,029 nodes, 61,859,140 undirected edges, 100
// features, 47 classes, sales-rank split 196,615 / 39,323 / 2,213,091).
//
// Degrees: Chung-Lu (Chung & Lu, 2002) weights w_i ~ (i + 1)^(-1/(gamma - 1))
// scaled to mean 2 E / n and capped; the E edge starts are dealt out to the
// nodes in proportion to w (largest remainders), and each start picks its
// other end with probability ~ w, inside the node's class with probability
// `homophily`. Ends are drawn in O(1) from Walker alias tables (Vose, 1991).
// Repeated edges collapse, so the graph has slightly fewer than E edges.
// Classes have Zipf-like sizes (weight 1 / (c + 2)); features are
// class-dependent Gaussians (class_features.h); the split is a seeded random
// permutation with the given train / val sizes, the rest test.
//
// Memory: the CSR is built by counting (no triplet list): about 4 E bytes of
// edge ends plus the 8 bytes per non-zero of the result. Every draw comes from
// a per-node generator and rows are sorted, so the graph is identical for any
// thread count.
#pragma once

#include <cstdint>

#include "sgc/data/dataset.h"

namespace sgc {

struct ProductsOptions {
  int64_t nodes = 2449029;
  int64_t edges = 61859140;  // undirected edge starts (before duplicates collapse)
  int32_t classes = 47;
  int64_t features = 100;
  int64_t train = 196615;
  int64_t val = 39323;
  double gamma = 2.3;
  double max_degree = 17481;  // ogbn-products' largest degree
  double homophily = 0.8;     // ogbn-products' edge homophily is about 0.81
  double signal = 0.15;  // SGC K=2 test accuracy about 0.87 (0.70 on ogbn-products), not 1.0
  double noise = 1.0;
  uint64_t seed = 0;
};

// The defaults resized to `nodes`: the edges at the same mean degree (or at
// `mean_degree` when > 0), the split and the degree cap in the same shares.
ProductsOptions products_sized(int64_t nodes, double mean_degree = 0);

// Throws sgc::ArgumentError naming the option for values outside their domain.
Dataset make_products(const ProductsOptions& opt);

}  // namespace sgc
