#include "sgc/data/synthetic.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include "sgc/data/class_features.h"
#include "sgc/error.h"
#include "sgc/random.h"
#include "sgc/util/budget.h"
#include "sgc/util/interrupt.h"

namespace sgc {

namespace {
void require(bool ok, const std::string& what) {
  if (!ok) throw ArgumentError(what);
}

void validate(const CsbmOptions& o) {
  require(o.nodes >= 2 && o.nodes < (int64_t(1) << 31), "--nodes: must be in [2, 2^31)");
  require(o.classes >= 2, "--classes: must be at least 2");
  require(o.avg_degree >= 0 && std::isfinite(o.avg_degree) && o.avg_degree < double(o.nodes),
          "--avg-degree: must be in [0, nodes)");
  require(o.homophily >= 0 && o.homophily <= 1, "--homophily: must be in [0, 1]");
  require(o.features >= 1, "--features: must be at least 1");
  require(o.signal >= 0 && std::isfinite(o.signal), "--signal: must be a non-negative number");
  require(o.noise >= 0 && std::isfinite(o.noise), "--noise: must be a non-negative number");
  require(o.train_per_class >= 1, "--train-per-class: must be at least 1, got " + std::to_string(o.train_per_class));
  require(o.val >= 0, "--val-nodes: must be at least 0");
  require(o.test >= 1, "--test-nodes: must be at least 1");
  const int64_t split = int64_t(o.train_per_class) * o.classes + o.val + o.test;
  require(split <= o.nodes, "--nodes: " + std::to_string(o.nodes) + " nodes, and the split needs " +
                                std::to_string(split) + " (--train-per-class x --classes + --val-nodes + "
                                "--test-nodes: " + std::to_string(o.train_per_class) + " x " +
                                std::to_string(o.classes) + " + " + std::to_string(o.val) + " + " +
                                std::to_string(o.test) + ")");
}

}  // namespace

Dataset make_csbm(const CsbmOptions& o) {
  validate(o);
  const int64_t n = o.nodes;
  // Before anything is drawn: the edges as triplets in both directions (and
  // their row-sorted copy, csr_from_triplets) beside the CSR they become,
  // then the CSR beside the features; and the per-node tables throughout.
  {
    const double nodes = double(n), edges = 2.0 * nodes * (std::floor(o.avg_degree / 2) + 1);
    const double tables = 24.0 * nodes, csr = 8.0 * edges + 8.0 * nodes;
    const double building = 2.0 * double(sizeof(Triplet)) * edges + csr, features = 4.0 * nodes * double(o.features);
    char what[160];
    std::snprintf(what, sizeof what,
                  "the generated graph and its features (--nodes %lld, --avg-degree %g, --features %lld)",
                  (long long)n, o.avg_degree, (long long)o.features);
    require_memory_estimate(tables + std::max(building, csr + features), what);
  }
  Dataset d;
  d.name = "csbm";
  d.family = "synthetic";
  d.num_classes = o.classes;

  d.labels.resize(n);
  for (int64_t i = 0; i < n; ++i) d.labels[i] = int32_t(node_rng(o.seed, 1, i).below(o.classes));
  std::vector<std::vector<int32_t>> members(o.classes);
  for (int64_t i = 0; i < n; ++i) members[d.labels[i]].push_back(int32_t(i));
  for (int32_t c = 0; c < o.classes; ++c)
    require(!members[c].empty(), "--nodes: too few nodes, class " + std::to_string(c) + " is empty");

  // Edges: node i starts floor(avg/2) edges, plus one with the fractional probability.
  const double half = o.avg_degree / 2;
  std::vector<int64_t> offset(n + 1, 0);
  for (int64_t i = 0; i < n; ++i) {
    Rng rng = node_rng(o.seed, 2, i);
    offset[i + 1] = offset[i] + int64_t(half) + (rng.uniform() < half - std::floor(half) ? 1 : 0);
  }
  std::vector<Triplet> edges;
  edges.reserve(size_t(2 * offset[n]));
  // In blocks of nodes, so that Ctrl-C is seen within one (each node's draws
  // depend on its id only); the vector grows by each block's edges (zeroing
  // all of them up front is seconds of page faults in one call).
  constexpr int64_t kBlock = int64_t(1) << 18;
  for (int64_t lo = 0; lo < n; lo += kBlock) {
    check_interrupt();
    const int64_t hi = std::min(n, lo + kBlock);
    edges.resize(size_t(2 * offset[hi]));
#pragma omp parallel for schedule(static)
    for (int64_t i = lo; i < hi; ++i) {
      Rng rng = node_rng(o.seed, 3, i);
      const int32_t yi = d.labels[i];
      for (int64_t e = offset[i]; e < offset[i + 1]; ++e) {
        int32_t j;
        do {
          if (rng.uniform() < o.homophily) {
            j = members[yi][rng.below(members[yi].size())];
          } else {
            do j = int32_t(rng.below(n)); while (d.labels[j] == yi);
          }
        } while (j == i && members[yi].size() > 1);
        edges[2 * e] = {int32_t(i), j, 1.0f};
        edges[2 * e + 1] = {j, int32_t(i), 1.0f};
      }
    }
  }
  check_interrupt();
  d.adjacency = csr_from_triplets(n, n, std::move(edges), /*combine_max=*/true);
  check_interrupt();
  d.dense_features = class_gaussian_features(d.labels, o.classes, o.features, o.signal, o.noise, o.seed);

  // Split: a random permutation; the first train_per_class of each class train.
  const std::vector<int32_t> order = random_order(n, o.seed);
  std::vector<int32_t> taken(o.classes, 0), rest;
  for (int32_t v : order) {
    if (taken[d.labels[v]] < o.train_per_class) {
      ++taken[d.labels[v]];
      d.train.push_back(v);
    } else {
      rest.push_back(v);
    }
  }
  for (int32_t c = 0; c < o.classes; ++c)
    require(taken[c] == o.train_per_class, "--nodes: class " + std::to_string(c) + " has too few nodes for the split");
  require(int64_t(rest.size()) >= o.val + o.test, "--nodes: too few nodes for the requested val/test split");
  d.val.assign(rest.begin(), rest.begin() + o.val);
  d.test.assign(rest.begin() + o.val, rest.begin() + o.val + o.test);
  std::sort(d.train.begin(), d.train.end());
  std::sort(d.val.begin(), d.val.end());
  std::sort(d.test.begin(), d.test.end());
  return d;
}

}  // namespace sgc
