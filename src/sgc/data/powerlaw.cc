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

PowerLawGraph::PowerLawGraph(const PowerLawOptions& o) : o_(o) {
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
  const int64_t n_train = int64_t(o.train_fraction * double(n)), n_val = int64_t(o.val_fraction * double(n));
  require(n_train >= 1 && n - n_train - n_val >= 1, "--nodes: too few nodes for the split");

  // Expected degrees (Chung-Lu weights), scaled to the mean and capped.
  w_.resize(size_t(n));
  const double alpha = 1.0 / (o.gamma - 1.0), cap = o.max_degree_fraction * double(n);
  for (int64_t i = 0; i < n; ++i) w_[size_t(i)] = std::pow(double(i + 1), -alpha);
  for (int round = 0; round < 3; ++round) {
    const double scale = o.avg_degree * double(n) / std::accumulate(w_.begin(), w_.end(), 0.0);
    for (double& v : w_) v = std::min(v * scale, cap);
  }

  // Classes with Zipf-like sizes: class c has weight 1 / (c + 2).
  std::vector<double> class_cum(size_t(o.classes));
  for (int32_t c = 0; c < o.classes; ++c) class_cum[size_t(c)] = (c ? class_cum[size_t(c) - 1] : 0.0) + 1.0 / (c + 2);
  std::vector<int32_t> class_ids(size_t(o.classes));
  std::iota(class_ids.begin(), class_ids.end(), 0);
  labels_.resize(size_t(n));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    Rng rng = node_rng(o.seed, 1, i);
    labels_[size_t(i)] = draw(class_cum, class_ids, rng);
  }

  // Per-class and global samplers proportional to w.
  members_.resize(size_t(o.classes));
  member_cum_.resize(size_t(o.classes));
  for (int64_t i = 0; i < n; ++i) {
    const size_t c = size_t(labels_[size_t(i)]);
    members_[c].push_back(int32_t(i));
    member_cum_[c].push_back((member_cum_[c].empty() ? 0.0 : member_cum_[c].back()) + w_[size_t(i)]);
  }
  all_.resize(size_t(n));
  std::iota(all_.begin(), all_.end(), 0);
  all_cum_.resize(size_t(n));
  std::partial_sum(w_.begin(), w_.end(), all_cum_.begin());
}

int64_t PowerLawGraph::edges_started(int64_t i) const {
  // floor(w_i / 2) edges plus one with the fractional probability.
  Rng rng = node_rng(o_.seed, 2, i);
  const double half = w_[size_t(i)] / 2;
  return int64_t(half) + (rng.uniform() < half - std::floor(half) ? 1 : 0);
}

void PowerLawGraph::edges_from(int64_t i, std::vector<int32_t>& ends) const {
  const int64_t count = edges_started(i);
  Rng rng = node_rng(o_.seed, 3, i);
  const int32_t c = labels_[size_t(i)];
  const bool can_stay = members_[size_t(c)].size() > 1;
  for (int64_t e = 0; e < count; ++e) {
    int32_t j;
    do {
      j = (can_stay && rng.uniform() < o_.homophily) ? draw(member_cum_[size_t(c)], members_[size_t(c)], rng)
                                                     : draw(all_cum_, all_, rng);
    } while (j == i);
    ends.push_back(j);
  }
}

DenseMatrix PowerLawGraph::features(int64_t lo, int64_t hi) const {
  const std::vector<int32_t> labels(labels_.begin() + lo, labels_.begin() + hi);
  return class_gaussian_features(labels, o_.classes, o_.features, o_.signal, o_.noise, o_.seed, lo);
}

void PowerLawGraph::split(std::vector<int32_t>& train, std::vector<int32_t>& val, std::vector<int32_t>& test) const {
  // The first train_fraction of a random permutation is train, then val, then test.
  const int64_t n = o_.nodes;
  const std::vector<int32_t> order = random_order(n, o_.seed);
  const int64_t n_train = int64_t(o_.train_fraction * double(n)), n_val = int64_t(o_.val_fraction * double(n));
  train.assign(order.begin(), order.begin() + n_train);
  val.assign(order.begin() + n_train, order.begin() + n_train + n_val);
  test.assign(order.begin() + n_train + n_val, order.end());
  std::sort(train.begin(), train.end());
  std::sort(val.begin(), val.end());
  std::sort(test.begin(), test.end());
}

Dataset make_powerlaw(const PowerLawOptions& o) {
  const PowerLawGraph g(o);
  const int64_t n = o.nodes;
  Dataset d;
  d.name = "powerlaw";
  d.family = "synthetic";
  d.num_classes = o.classes;
  d.labels = g.labels();
  // Each edge i -> j both ways; the CSR keeps one entry per pair.
  std::vector<int64_t> offset(size_t(n) + 1, 0);
  for (int64_t i = 0; i < n; ++i) offset[size_t(i) + 1] = offset[size_t(i)] + g.edges_started(i);
  std::vector<Triplet> edges(2 * size_t(offset[size_t(n)]));
#pragma omp parallel
  {
    std::vector<int32_t> ends;
#pragma omp for schedule(dynamic, 1024)
    for (int64_t i = 0; i < n; ++i) {
      ends.clear();
      g.edges_from(i, ends);
      for (size_t k = 0; k < ends.size(); ++k) {
        const size_t e = size_t(offset[size_t(i)]) + k;
        edges[2 * e] = {int32_t(i), ends[k], 1.0f};
        edges[2 * e + 1] = {ends[k], int32_t(i), 1.0f};
      }
    }
  }
  d.adjacency = csr_from_triplets(n, n, std::move(edges), /*combine_max=*/true);
  d.dense_features = g.features(0, n);
  g.split(d.train, d.val, d.test);
  return d;
}

}  // namespace sgc
