#include "sgc/data/powerlaw.h"

#include <algorithm>
#include <atomic>
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

// The per-node tables (weights 8, label 4, two samplers' ids and running sums
// 24, and the member lists they are built from 8), rounded up.
constexpr double kTableBytesPerNode = 48;

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
  require_memory_estimate(kTableBytesPerNode * double(n),
                          "the power-law generator's per-node tables (--nodes " + std::to_string(n) + ")");

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
  std::vector<std::vector<int32_t>> members(size_t(o.classes));
  for (int64_t i = 0; i < n; ++i) members[size_t(labels_[size_t(i)])].push_back(int32_t(i));
  members_.resize(size_t(o.classes));
  for (int32_t c = 0; c < o.classes; ++c) members_[size_t(c)].build(std::move(members[size_t(c)]), w_);
  std::vector<int32_t> all(static_cast<size_t>(n));
  std::iota(all.begin(), all.end(), 0);
  all_.build(std::move(all), w_);
}

void PowerLawGraph::Sampler::build(std::vector<int32_t> id, const std::vector<double>& w) {
  ids = std::move(id);
  const size_t m = ids.size();
  cum.resize(m);
  double run = 0;
  for (size_t k = 0; k < m; ++k) cum[k] = run += w[size_t(ids[k])];
  guide.clear();
  if (m == 0) return;
  // m buckets of equal weight; bucket(x) is monotone in x, so every k below
  // guide[bucket(u)] has cum[k] < u and the search may start there.
  per_bucket = double(m) / cum.back();
  guide.resize(m + 2);
  size_t k = 0;
  for (size_t b = 0; b < guide.size(); ++b) {
    while (k < m && size_t(cum[k] * per_bucket) < b) ++k;
    guide[b] = int32_t(k);
  }
}

int32_t PowerLawGraph::Sampler::draw(double u01) const {
  const double u = u01 * cum.back();
  size_t k = size_t(guide[std::min(size_t(u * per_bucket), guide.size() - 1)]);
  const size_t m = cum.size();
  while (k < m && cum[k] <= u) ++k;  // the first running sum above u: upper_bound's answer
  return ids[std::min(k, m - 1)];
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
  const Sampler& own = members_[size_t(c)];
  const bool can_stay = own.ids.size() > 1;
  for (int64_t e = 0; e < count; ++e) {
    int32_t j;
    do {
      j = (can_stay && rng.uniform() < o_.homophily) ? own.draw(rng.uniform()) : all_.draw(rng.uniform());
    } while (j == i);
    ends.push_back(j);
  }
}

DenseMatrix PowerLawGraph::features(int64_t lo, int64_t hi) const {
  const std::vector<int32_t> labels(labels_.begin() + lo, labels_.begin() + hi);
  return class_gaussian_features(labels, o_.classes, o_.features, o_.signal, o_.noise, o_.seed, lo,
                                 GaussianDraw::Ziggurat);
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

namespace {

// The graph of every edge i -> j that g draws, both ways, one entry per pair
// with value 1, columns sorted: what csr_from_triplets(..., combine_max)
// makes of the edge list, built without one. Rows are counted, filled (the
// order inside a row depends on the threads, the sort below does not), then
// sorted and deduplicated in place.
CsrMatrix powerlaw_adjacency(const PowerLawGraph& g) {
  const int64_t n = g.nodes();
  std::vector<int64_t> start(size_t(n) + 1, 0);  // the edges node i starts: [start[i], start[i + 1])
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) start[size_t(i) + 1] = g.edges_started(i);
  for (int64_t i = 0; i < n; ++i) start[size_t(i) + 1] += start[size_t(i)];
  std::vector<int32_t> ends(static_cast<size_t>(start[size_t(n)]));
#pragma omp parallel
  {
    std::vector<int32_t> mine;
#pragma omp for schedule(dynamic, 1024)
    for (int64_t i = 0; i < n; ++i) {
      mine.clear();
      g.edges_from(i, mine);
      std::copy(mine.begin(), mine.end(), ends.begin() + start[size_t(i)]);
    }
  }
  check_interrupt();

  // Row sizes with repeats: the edges a node starts plus those that end there.
  std::vector<int64_t> ptr(size_t(n) + 1, 0);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) ptr[size_t(i) + 1] = start[size_t(i) + 1] - start[size_t(i)];
#pragma omp parallel for schedule(static)
  for (size_t e = 0; e < ends.size(); ++e)
    std::atomic_ref<int64_t>(ptr[size_t(ends[e]) + 1]).fetch_add(1, std::memory_order_relaxed);
  for (int64_t i = 0; i < n; ++i) ptr[size_t(i) + 1] += ptr[size_t(i)];
  // Each row: the ends its node starts, then (slots taken atomically) the starts of edges ending there.
  std::vector<int32_t> cols(static_cast<size_t>(ptr[size_t(n)]));
  std::vector<int64_t> next(static_cast<size_t>(n));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) next[size_t(i)] = ptr[size_t(i)] + start[size_t(i) + 1] - start[size_t(i)];
#pragma omp parallel for schedule(dynamic, 1024)
  for (int64_t i = 0; i < n; ++i)
    for (int64_t e = start[size_t(i)]; e < start[size_t(i) + 1]; ++e) {
      const int32_t j = ends[size_t(e)];
      cols[size_t(ptr[size_t(i)] + e - start[size_t(i)])] = j;
      cols[size_t(std::atomic_ref<int64_t>(next[size_t(j)]).fetch_add(1, std::memory_order_relaxed))] = int32_t(i);
    }
  std::vector<int32_t>().swap(ends);
  std::vector<int64_t>().swap(next);
  check_interrupt();

  // Sorted, one entry per pair; then the rows moved down over the repeats.
  std::vector<int64_t> kept(static_cast<size_t>(n));
#pragma omp parallel for schedule(dynamic, 256)
  for (int64_t i = 0; i < n; ++i) {
    const auto b = cols.begin() + ptr[size_t(i)], e = cols.begin() + ptr[size_t(i) + 1];
    std::sort(b, e);
    kept[size_t(i)] = std::unique(b, e) - b;
  }
  CsrMatrix a;
  a.rows = a.cols = n;
  a.indptr.assign(size_t(n) + 1, 0);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t at = a.indptr[size_t(i)];
    if (at != ptr[size_t(i)]) std::copy_n(cols.begin() + ptr[size_t(i)], kept[size_t(i)], cols.begin() + at);
    a.indptr[size_t(i) + 1] = at + kept[size_t(i)];
  }
  cols.resize(size_t(a.indptr[size_t(n)]));
  a.indices = std::move(cols);
  a.values.assign(a.indices.size(), 1.0f);
  return a;
}

}  // namespace

Dataset make_powerlaw(const PowerLawOptions& o) {
  // Before the generator's tables are built and any edge is drawn: what the
  // data set holds at the end beside those tables, the CSR (8 bytes a
  // non-zero; the nodes start about nodes x avg-degree / 2 edges, each stored
  // both ways) and the features.
  if (o.nodes > 0 && o.avg_degree > 0 && o.features > 0) {
    const double nodes = double(o.nodes), csr = 8.0 * nodes * o.avg_degree + 8.0 * nodes;
    char what[160];
    std::snprintf(what, sizeof what,
                  "the generated graph and its features (--nodes %lld, --avg-degree %g, --features %lld)",
                  (long long)o.nodes, o.avg_degree, (long long)o.features);
    require_memory_estimate(kTableBytesPerNode * nodes + csr + 4.0 * nodes * double(o.features), what);
  }
  const PowerLawGraph g(o);
  Dataset d;
  d.name = "powerlaw";
  d.family = "synthetic";
  d.num_classes = o.classes;
  d.labels = g.labels();
  d.adjacency = powerlaw_adjacency(g);
  d.dense_features = g.features(0, o.nodes);
  g.split(d.train, d.val, d.test);
  return d;
}

}  // namespace sgc
