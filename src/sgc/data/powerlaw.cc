#include "sgc/data/powerlaw.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "sgc/data/class_features.h"
#include "sgc/error.h"
#include "sgc/random.h"

namespace sgc {

namespace {
void require(bool ok, const std::string& what) {
  if (!ok) throw ArgumentError(what);
}


// Draws an index with probability proportional to the weights whose running
// sums are `cumulative` (binary search).
int32_t draw(const std::vector<double>& cumulative, const std::vector<int32_t>& ids, Rng& rng) {
  const double u = rng.uniform() * cumulative.back();
  const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
  return ids[std::min<size_t>(it - cumulative.begin(), ids.size() - 1)];
}
}  // namespace

Dataset make_powerlaw(const PowerLawOptions& o) {
  require(o.nodes >= 10 && o.nodes < (int64_t(1) << 31), "--nodes: must be in [10, 2^31)");
  require(o.classes >= 2 && o.classes <= o.nodes, "--classes: must be in [2, nodes]");
  require(o.features >= 1, "--features: must be at least 1");
  require(o.avg_degree > 0 && o.avg_degree < double(o.nodes), "--avg-degree: must be in (0, nodes)");
  require(o.gamma > 2, "--gamma: the power-law exponent must be > 2");
  require(o.max_degree_fraction > 0 && o.max_degree_fraction <= 1, "--max-degree-fraction: must be in (0, 1]");
  require(o.homophily >= 0 && o.homophily <= 1, "--homophily: must be in [0, 1]");
  require(o.signal >= 0 && o.noise >= 0, "--signal/--noise: must be non-negative");
  require(o.train_fraction > 0 && o.val_fraction >= 0 && o.train_fraction + o.val_fraction < 1,
          "--train-fraction/--val-fraction: must be positive and leave room for a test split");
  const int64_t n = o.nodes;
  Dataset d;
  d.name = "powerlaw";
  d.family = "synthetic";
  d.num_classes = o.classes;

  // Expected degrees (Chung-Lu weights), scaled to the mean and capped.
  std::vector<double> w(n);
  const double alpha = 1.0 / (o.gamma - 1.0), cap = o.max_degree_fraction * double(n);
  for (int64_t i = 0; i < n; ++i) w[i] = std::pow(double(i + 1), -alpha);
  for (int round = 0; round < 3; ++round) {
    const double scale = o.avg_degree * double(n) / std::accumulate(w.begin(), w.end(), 0.0);
    for (double& v : w) v = std::min(v * scale, cap);
  }

  // Classes with Zipf-like sizes: class c has weight 1 / (c + 2).
  std::vector<double> class_cum(o.classes);
  for (int32_t c = 0; c < o.classes; ++c) class_cum[c] = (c ? class_cum[c - 1] : 0.0) + 1.0 / (c + 2);
  std::vector<int32_t> class_ids(o.classes);
  std::iota(class_ids.begin(), class_ids.end(), 0);
  d.labels.resize(n);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    Rng rng = node_rng(o.seed, 1, i);
    d.labels[i] = draw(class_cum, class_ids, rng);
  }

  // Per-class and global samplers proportional to w.
  std::vector<std::vector<int32_t>> members(o.classes);
  std::vector<std::vector<double>> member_cum(o.classes);
  for (int64_t i = 0; i < n; ++i) {
    const int32_t c = d.labels[i];
    members[c].push_back(int32_t(i));
    member_cum[c].push_back((member_cum[c].empty() ? 0.0 : member_cum[c].back()) + w[i]);
  }
  std::vector<int32_t> all(n);
  std::iota(all.begin(), all.end(), 0);
  std::vector<double> all_cum(n);
  std::partial_sum(w.begin(), w.end(), all_cum.begin());

  // Edges: node i starts floor(w_i / 2) edges plus one with the fractional probability.
  std::vector<int64_t> offset(n + 1, 0);
  for (int64_t i = 0; i < n; ++i) {
    Rng rng = node_rng(o.seed, 2, i);
    const double half = w[i] / 2;
    offset[i + 1] = offset[i] + int64_t(half) + (rng.uniform() < half - std::floor(half) ? 1 : 0);
  }
  std::vector<Triplet> edges(2 * offset[n]);
#pragma omp parallel for schedule(dynamic, 1024)
  for (int64_t i = 0; i < n; ++i) {
    Rng rng = node_rng(o.seed, 3, i);
    const int32_t c = d.labels[i];
    const bool can_stay = members[c].size() > 1;
    for (int64_t e = offset[i]; e < offset[i + 1]; ++e) {
      int32_t j;
      do {
        j = (can_stay && rng.uniform() < o.homophily) ? draw(member_cum[c], members[c], rng) : draw(all_cum, all, rng);
      } while (j == i);
      edges[2 * e] = {int32_t(i), j, 1.0f};
      edges[2 * e + 1] = {j, int32_t(i), 1.0f};
    }
  }
  d.adjacency = csr_from_triplets(n, n, std::move(edges), /*combine_max=*/true);

  d.dense_features = class_gaussian_features(d.labels, o.classes, o.features, o.signal, o.noise, o.seed);

  // Split by a random permutation.
  const std::vector<int32_t> order = random_order(n, o.seed);
  const int64_t n_train = int64_t(o.train_fraction * double(n)), n_val = int64_t(o.val_fraction * double(n));
  require(n_train >= 1 && n - n_train - n_val >= 1, "--nodes: too few nodes for the split");
  d.train.assign(order.begin(), order.begin() + n_train);
  d.val.assign(order.begin() + n_train, order.begin() + n_train + n_val);
  d.test.assign(order.begin() + n_train + n_val, order.end());
  std::sort(d.train.begin(), d.train.end());
  std::sort(d.val.begin(), d.val.end());
  std::sort(d.test.begin(), d.test.end());
  return d;
}

}  // namespace sgc
