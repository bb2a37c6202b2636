#include "sgc/data/products.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "sgc/data/class_features.h"
#include "sgc/error.h"
#include "sgc/util/budget.h"
#include "sgc/util/interrupt.h"
#include "sgc/util/progress.h"

namespace sgc {

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw ArgumentError(what);
}

// Walker's alias table over ids with the given weights (Vose's construction):
// one uniform index and one coin per draw.
class AliasTable {
 public:
  AliasTable(std::vector<int32_t> ids, const std::vector<double>& weight) : ids_(std::move(ids)) {
    const size_t m = ids_.size();
    prob_.assign(m, 1.0f);
    alias_.resize(m);
    std::iota(alias_.begin(), alias_.end(), 0);
    double total = 0;
    for (double w : weight) total += w;
    std::vector<double> scaled(m);
    std::vector<int32_t> small, large;
    for (size_t k = 0; k < m; ++k) {
      scaled[k] = weight[k] * double(m) / total;
      (scaled[k] < 1.0 ? small : large).push_back(int32_t(k));
    }
    while (!small.empty() && !large.empty()) {
      const int32_t s = small.back(), l = large.back();
      small.pop_back();
      prob_[size_t(s)] = float(scaled[size_t(s)]);
      alias_[size_t(s)] = l;
      scaled[size_t(l)] -= 1.0 - scaled[size_t(s)];
      if (scaled[size_t(l)] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
  }
  size_t size() const { return ids_.size(); }
  int32_t draw(Rng& rng) const {
    const size_t k = size_t(rng.below(ids_.size()));
    return ids_[float(rng.uniform()) < prob_[k] ? k : size_t(alias_[k])];
  }

 private:
  std::vector<int32_t> ids_;
  std::vector<float> prob_;
  std::vector<int32_t> alias_;
};

// Edge starts per node: E dealt out in proportion to w by largest remainders.
std::vector<int64_t> deal_starts(const std::vector<double>& w, int64_t edges) {
  const int64_t n = int64_t(w.size());
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  std::vector<int64_t> starts(static_cast<size_t>(n));
  std::vector<double> frac(static_cast<size_t>(n));
  int64_t dealt = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double q = w[size_t(i)] * double(edges) / total;
    starts[size_t(i)] = int64_t(q);
    frac[size_t(i)] = q - std::floor(q);
    dealt += starts[size_t(i)];
  }
  std::vector<int32_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  const int64_t rest = std::clamp<int64_t>(edges - dealt, 0, n);
  // The `rest` largest remainders (ties to the lower id: a strict order, so
  // the set is unique); which of them comes first does not matter.
  if (rest > 0 && rest < n)
    std::nth_element(order.begin(), order.begin() + rest, order.end(), [&](int32_t a, int32_t b) {
      return frac[size_t(a)] != frac[size_t(b)] ? frac[size_t(a)] > frac[size_t(b)] : a < b;
    });
  for (int64_t k = 0; k < rest; ++k) ++starts[size_t(order[size_t(k)])];
  return starts;
}

}  // namespace

ProductsOptions products_sized(int64_t nodes, double mean_degree) {
  ProductsOptions o;
  const double share = double(nodes) / double(o.nodes);
  if (mean_degree <= 0) mean_degree = 2.0 * double(o.edges) / double(o.nodes);
  o.nodes = nodes;
  o.edges = std::max<int64_t>(1, std::llround(mean_degree * double(nodes) / 2));
  o.train = std::max<int64_t>(1, std::llround(double(o.train) * share));
  o.val = std::llround(double(o.val) * share);
  o.max_degree = std::max({1.0, mean_degree, o.max_degree * share});  // a degree cap below 1 would refuse any graph
  return o;
}

Dataset make_products(const ProductsOptions& o) {
  require(o.nodes >= 10 && o.nodes < (int64_t(1) << 31), "--nodes: must be in [10, 2^31)");
  require(o.edges >= 1 && o.edges <= o.nodes * 1000, "--edges: must be in [1, 1000 nodes]");
  require(o.classes >= 2 && o.classes <= o.nodes, "--classes: must be in [2, nodes]");
  require(o.features >= 1, "--features: must be at least 1");
  require(o.gamma > 2, "--gamma: the power-law exponent must be > 2");
  require(o.max_degree >= 1, "--max-degree: must be at least 1");
  require(o.homophily >= 0 && o.homophily <= 1, "--homophily: must be in [0, 1]");
  require(o.signal >= 0 && o.noise >= 0, "--signal/--noise: must be non-negative");
  require(o.train >= 1 && o.val >= 0 && o.train + o.val < o.nodes,
          "--train/--val: the split sizes must be positive and leave at least one test node");
  const int64_t n = o.nodes, e_max = o.edges;
  // Edge ends and the CSR (8 bytes a non-zero, both directions), then the features.
  require_memory(4 * e_max + 16 * e_max + 16 * n, "the products-shaped graph");
  require_memory(4 * n * o.features, "the products-shaped graph's features");

  Dataset d;
  d.name = "products";
  d.family = "synthetic";
  d.num_classes = o.classes;

  // Chung-Lu weights scaled to the mean degree and capped.
  std::vector<double> w(static_cast<size_t>(n));
  const double alpha = 1.0 / (o.gamma - 1.0), mean = 2.0 * double(e_max) / double(n);
  for (int64_t i = 0; i < n; ++i) w[size_t(i)] = std::pow(double(i + 1), -alpha);
  for (int round = 0; round < 5; ++round) {
    const double scale = mean * double(n) / std::accumulate(w.begin(), w.end(), 0.0);
    for (double& v : w) v = std::min(v * scale, o.max_degree);
  }

  check_interrupt();  // here and between the stages below: each takes up to seconds at 10M nodes

  // Labels: Zipf-like class sizes.
  std::vector<double> class_cum(size_t(o.classes));
  for (int32_t c = 0; c < o.classes; ++c) class_cum[size_t(c)] = (c ? class_cum[size_t(c) - 1] : 0.0) + 1.0 / (c + 2);
  d.labels.resize(size_t(n));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    Rng rng = node_rng(o.seed, 1, i);
    const double u = rng.uniform() * class_cum.back();
    d.labels[size_t(i)] = int32_t(
        std::min<ptrdiff_t>(std::upper_bound(class_cum.begin(), class_cum.end(), u) - class_cum.begin(), o.classes - 1));
  }

  check_interrupt();

  // Samplers of the other end: per class and global, proportional to w.
  std::vector<std::vector<int32_t>> members(size_t(o.classes));
  std::vector<std::vector<double>> member_w(size_t(o.classes));
  for (int64_t i = 0; i < n; ++i) {
    members[size_t(d.labels[size_t(i)])].push_back(int32_t(i));
    member_w[size_t(d.labels[size_t(i)])].push_back(w[size_t(i)]);
  }
  std::vector<AliasTable> in_class;
  in_class.reserve(size_t(o.classes));
  for (int32_t c = 0; c < o.classes; ++c) {
    in_class.emplace_back(std::move(members[size_t(c)]), member_w[size_t(c)]);
    std::vector<double>().swap(member_w[size_t(c)]);
  }
  std::vector<int32_t> all(static_cast<size_t>(n));
  std::iota(all.begin(), all.end(), 0);
  const AliasTable global(std::move(all), w);

  check_interrupt();

  // Edge starts and their other ends.
  const std::vector<int64_t> starts = deal_starts(w, e_max);
  check_interrupt();
  std::vector<int64_t> first(size_t(n) + 1, 0);
  for (int64_t i = 0; i < n; ++i) first[size_t(i) + 1] = first[size_t(i)] + starts[size_t(i)];
  std::vector<int32_t> end(static_cast<size_t>(first[size_t(n)]));
  ProgressStage edge_progress("generate: edges", n, "nodes");
  parallel_slices(edge_progress, first, [&](int64_t lo, int64_t hi) {
#pragma omp parallel for schedule(dynamic, 4096)
  for (int64_t i = lo; i < hi; ++i) {
    Rng rng = node_rng(o.seed, 3, i);
    const AliasTable& own = in_class[size_t(d.labels[size_t(i)])];
    const bool can_stay = own.size() > 1;
    for (int64_t e = first[size_t(i)]; e < first[size_t(i) + 1]; ++e) {
      int32_t j;
      do {
        j = (can_stay && rng.uniform() < o.homophily) ? own.draw(rng) : global.draw(rng);
      } while (j == i);
      end[size_t(e)] = j;
    }
  }
  });

  // CSR by counting: row i holds its own starts and the starts that end at i.
  std::vector<int64_t> degree(starts.begin(), starts.end());
  const int64_t ends = int64_t(end.size()), block = int64_t(1) << 24;
  for (int64_t b = 0; b < ends; b += block) {  // in blocks, with an interrupt check between
#pragma omp parallel for schedule(static)
    for (int64_t e = b; e < std::min(ends, b + block); ++e) {
#pragma omp atomic
      ++degree[size_t(end[size_t(e)])];
    }
    check_interrupt();
  }
  CsrMatrix& a = d.adjacency;
  a.rows = a.cols = n;
  a.indptr.assign(size_t(n) + 1, 0);
  for (int64_t i = 0; i < n; ++i) a.indptr[size_t(i) + 1] = a.indptr[size_t(i)] + degree[size_t(i)];
  a.indices.resize(size_t(a.indptr[size_t(n)]));
  std::vector<int64_t>& cursor = degree;  // reused: the next free slot of each row
  std::copy(a.indptr.begin(), a.indptr.end() - 1, cursor.begin());
  ProgressStage graph_progress("generate: graph", 2 * n, "rows");
  parallel_slices(graph_progress, first, [&](int64_t lo, int64_t hi) {
#pragma omp parallel for schedule(dynamic, 4096)
  for (int64_t i = lo; i < hi; ++i) {
    for (int64_t e = first[size_t(i)]; e < first[size_t(i) + 1]; ++e) {
      const int32_t j = end[size_t(e)];
      int64_t pi, pj;
#pragma omp atomic capture
      pi = cursor[size_t(i)]++;
#pragma omp atomic capture
      pj = cursor[size_t(j)]++;
      a.indices[size_t(pi)] = j;
      a.indices[size_t(pj)] = int32_t(i);
    }
  }
  });
  std::vector<int32_t>().swap(end);
  std::vector<int64_t>().swap(first);
  check_interrupt();

  // Sort each row (the fill order depends on the threads; sorted rows do not)
  // and collapse repeated edges, then close the gaps in place.
  std::vector<int64_t> length(static_cast<size_t>(n));
  parallel_slices(graph_progress, a.indptr, [&](int64_t lo, int64_t hi) {
#pragma omp parallel for schedule(dynamic, 4096)
    for (int64_t i = lo; i < hi; ++i) {
      auto b = a.indices.begin() + a.indptr[size_t(i)], e = a.indices.begin() + a.indptr[size_t(i) + 1];
      std::sort(b, e);
      length[size_t(i)] = std::unique(b, e) - b;
    }
  });
  int64_t out = 0;
  for (int64_t i = 0; i < n; ++i) {
    check_interrupt_every(i);
    const int64_t from = a.indptr[size_t(i)];
    if (from != out) std::copy_n(a.indices.begin() + from, length[size_t(i)], a.indices.begin() + out);
    a.indptr[size_t(i)] = out;
    out += length[size_t(i)];
  }
  a.indptr[size_t(n)] = out;
  a.indices.resize(size_t(out));
  a.values.assign(size_t(out), 1.0f);
  check_interrupt();

  // Features a slice of rows at a time (each row from its own generator).
  d.dense_features.resize(n, o.features);
  ProgressStage feature_progress("generate: features", n, "nodes");
  parallel_slices(feature_progress, n, [&](int64_t lo, int64_t hi) {
    const std::vector<int32_t> labels(d.labels.begin() + lo, d.labels.begin() + hi);
    d.dense_features.middleRows(lo, hi - lo) =
        class_gaussian_features(labels, o.classes, o.features, o.signal, o.noise, o.seed, lo);
  });

  check_interrupt();
  const std::vector<int32_t> order = random_order(n, o.seed);
  d.train.assign(order.begin(), order.begin() + o.train);
  d.val.assign(order.begin() + o.train, order.begin() + o.train + o.val);
  d.test.assign(order.begin() + o.train + o.val, order.end());
  std::sort(d.train.begin(), d.train.end());
  std::sort(d.val.begin(), d.val.end());
  std::sort(d.test.begin(), d.test.end());
  return d;
}

}  // namespace sgc
